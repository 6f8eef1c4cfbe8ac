"""The landmark guard: nothing dated after landmark L changes the L model's features,
its training population, the model it fits or its predictions."""

from dataclasses import replace

import numpy as np
import pandas as pd
from mon_helpers import ENTRIES, FAST

from irpredict.monitoring import fit_landmark_models, monitor_cohort

L = 42.0


def _future_changed(cohort, day=L):
    """Every measurement and scan after ``day`` replaced by wild values."""
    meas = cohort.measurements.copy()
    later = meas["day"] > day
    meas.loc[later, "value"] = meas.loc[later, "value"] * 1000 + 7
    scans = cohort.tumor_assessments.copy()
    later = scans["day"] > day
    scans.loc[later, "target_sld_mm"] = scans.loc[later, "target_sld_mm"] * 3 + 50
    return replace(cohort, measurements=meas, tumor_assessments=scans)


def test_future_rows_leave_features_and_predictions_unchanged(small_cohort, small_models):
    changed = _future_changed(small_cohort)
    model = small_models.model_for(L)
    X_orig, _ = model.frame_from_cohort(small_cohort)
    X_new, _ = model.frame_from_cohort(changed)
    pd.testing.assert_frame_equal(X_orig, X_new)
    np.testing.assert_array_equal(small_models.predict_proba(small_cohort, L),
                                  small_models.predict_proba(changed, L))
    # the change is real: a later landmark's features do move
    later = small_models.model_for(63.0)
    assert not later.frame_from_cohort(small_cohort)[0].equals(later.frame_from_cohort(changed)[0])


def test_future_rows_do_not_change_the_fitted_landmark_model(small_cohort, small_models):
    refit = fit_landmark_models(_future_changed(small_cohort), FAST, (L,), entries=ENTRIES,
                                evaluate=False)
    assert refit.populations.equals(
        small_models.populations[small_models.populations["landmark"] == L]
        .reset_index(drop=True))
    np.testing.assert_allclose(refit.predict_proba(small_cohort, L),
                               small_models.predict_proba(small_cohort, L), rtol=0, atol=1e-12)


def test_trajectories_up_to_the_as_of_day_ignore_the_future(small_cohort, small_models):
    before = monitor_cohort(small_models, small_cohort, as_of=L)
    after = monitor_cohort(small_models, _future_changed(small_cohort), as_of=L)
    pd.testing.assert_frame_equal(before.table, after.table)
    pd.testing.assert_frame_equal(before.shap, after.shap)
    assert not before.table.loc[before.table["landmark"] > L, "reached"].any()
