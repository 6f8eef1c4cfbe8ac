"""End to end on the simulator: features -> nested CV by site -> per-therapy summary."""

import numpy as np
import pytest

from irpredict.evaluation import OVERALL, nested_cv, summarize_predictions


@pytest.fixture(scope="module")
def simulated():
    from irpredict.data.simulator import simulate_cohort
    from irpredict.features import build_features

    sim = simulate_cohort(n_patients=400, seed=0)
    features = build_features(sim.to_cohort(), landmark_days=0)
    X = features.X.assign(therapy_class=features.therapy_class)
    sites = sim.patients.set_index("patient_id")["site"]
    return X, features.y, sites


def test_nested_cv_on_simulated_cohort_grouped_by_site(simulated):
    X, y, sites = simulated
    result = nested_cv(X, y, estimator="logistic", sites=sites, outer_folds=4, inner_folds=2,
                       param_grid={"logistic": {"C": [0.05, 0.5]}}, min_patients=40,
                       min_responders=8)
    oof = result.oof
    assert oof["patient_id"].is_unique
    assert len(oof) == len(X)
    site_of = sites.loc[oof["patient_id"]].to_numpy()
    assert (oof.assign(site=site_of).groupby("site")["fold"].nunique() == 1).all()
    table = summarize_predictions(oof, n_bootstrap=100).set_index(["therapy_class", "metric"])
    assert set(table.index.get_level_values(0)) == set(X["therapy_class"]) | {OVERALL}
    overall_auc = table.loc[(OVERALL, "auc")]
    # the simulator plants real signal: the model must beat chance, with a CI above 0.5
    assert overall_auc["estimate"] > 0.6
    assert overall_auc["ci_low"] > 0.5
    assert np.isfinite(table.loc[(OVERALL, "calibration_slope"), "estimate"])
