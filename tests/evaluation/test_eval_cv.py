"""Nested cross-validation: no leakage, complete out-of-fold frame, folds, determinism."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline

from irpredict.evaluation import nested_cv
from irpredict.exceptions import CohortDataError, ExperimentConfigError
from irpredict.models import CalibratedModel

LOG = []


class SpyClassifier(ClassifierMixin, BaseEstimator):
    """Logistic regression on the numeric columns that logs who it was fitted on."""

    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y):
        LOG.append(("fit", frozenset(X.index)))
        self.model_ = LogisticRegression(C=self.C).fit(X.select_dtypes("number"), y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X.select_dtypes("number"))


def _cohort(n=180, seed=0, n_sites=6):
    X, y = make_classification(n, 5, n_informative=3, n_redundant=0, weights=[0.65],
                               random_state=seed)
    ids = [f"P{i:03d}" for i in range(n)]
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)], index=ids)
    df["therapy_class"] = np.repeat(["checkpoint_inhibitor", "chemotherapy", "cytokine"],
                                    [n // 2, n // 3, n - n // 2 - n // 3])
    sites = pd.Series([f"S{i % n_sites}" for i in range(n)], index=ids)
    return df, pd.Series(y, index=ids), sites


def _spy_run(**kwargs):
    X, y, _ = _cohort()
    return nested_cv(X, y, estimator=SpyClassifier(), param_grid={"C": [0.1, 1.0]},
                     outer_folds=4, inner_folds=3, **kwargs)


@pytest.fixture(scope="module")
def spy_run():
    """One logged run (2 repeats x 4 outer folds) shared by the tests below."""
    LOG.clear()
    result = _spy_run(n_repeats=2, progress=lambda done, total: LOG.append(("done", done)))
    return result, list(LOG)


def test_no_outer_test_patient_reaches_any_fit_of_its_fold(spy_run):
    result, log = spy_run
    fold_fits, current = [], []
    for kind, payload in log:
        if kind == "fit":
            current.append(payload)
        else:
            fold_fits.append(current)
            current = []
    assert len(fold_fits) == len(result.splits) == 8
    for split, fits in zip(result.splits, fold_fits, strict=True):
        assert len(fits) == 2 * 3 + 1  # grid x inner folds + refit
        test = set(split["test"])
        assert all(fit.isdisjoint(test) for fit in fits)
        assert fits[-1] == frozenset(split["train"])  # refit on the whole outer training set


def test_oof_frame_has_each_patient_once_per_repeat(spy_run):
    X, y, _ = _cohort()
    oof = spy_run[0].oof
    assert list(oof.columns) == ["patient_id", "repeat", "fold", "therapy_class", "y", "prob",
                                 "model"]
    counts = oof.groupby(["repeat", "patient_id"]).size()
    assert len(counts) == 2 * len(X)
    assert (counts == 1).all()
    merged = oof.set_index("patient_id")
    assert (merged["y"] == y.loc[merged.index]).all()
    assert (merged["therapy_class"] == X.loc[merged.index, "therapy_class"]).all()
    assert oof["prob"].between(0, 1).all()


def test_folds_keep_the_responder_share_and_therapy_mix(spy_run):
    oof = spy_run[0].oof
    for _, rep in oof.groupby("repeat"):
        total = rep["y"].mean()
        assert (rep.groupby("fold")["y"].mean() - total).abs().max() < 0.05
        mix = pd.crosstab(rep["fold"], rep["therapy_class"], normalize="index")
        overall = rep["therapy_class"].value_counts(normalize=True)
        assert (mix - overall).abs().to_numpy().max() < 0.05


def test_repeats_use_different_folds(spy_run):
    oof = spy_run[0].oof
    folds = oof.pivot(index="patient_id", columns="repeat", values="fold")
    assert (folds[0] != folds[1]).any()


def test_grouping_by_site_keeps_each_site_in_one_fold():
    X, y, sites = _cohort()
    result = nested_cv(X, y, estimator=SpyClassifier(), param_grid={"C": [1.0]}, sites=sites,
                       outer_folds=3, n_repeats=2)
    oof = result.oof.assign(site=lambda d: sites.loc[d["patient_id"]].to_numpy())
    assert (oof.groupby(["repeat", "site"])["fold"].nunique() == 1).all()
    assert result.config["grouped_by_site"]


def test_deterministic_with_a_seed_and_reshuffled_by_another(spy_run):
    first = spy_run[0].oof
    a = _spy_run(n_repeats=2).oof
    pd.testing.assert_frame_equal(a, first)
    b = _spy_run(random_state=1).oof
    # repeat r uses seed random_state + r: the seed-1 run reproduces repeat 1 of the first
    pd.testing.assert_frame_equal(
        b.drop(columns="repeat"),
        first[first["repeat"] == 1].drop(columns="repeat").reset_index(drop=True))
    folds0 = first[first["repeat"] == 0].set_index("patient_id")["fold"]
    assert (folds0.loc[b["patient_id"]].to_numpy() != b["fold"].to_numpy()).any()


def _overconfident_cohort():
    X, y = make_classification(300, 3, n_informative=3, n_redundant=0, flip_y=0.15,
                               random_state=1)
    X = np.hstack([X] * 6)  # duplicated features make naive Bayes overconfident
    ids = [f"P{i:03d}" for i in range(300)]
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])], index=ids)
    df["therapy_class"] = "checkpoint_inhibitor"
    nb = Pipeline([("num", ColumnTransformer([("n", "passthrough", list(df.columns[:-1]))])),
                   ("nb", GaussianNB())])
    return df, pd.Series(y, index=ids), nb


def test_calibration_is_chosen_inside_the_inner_loop():
    X, y, nb = _overconfident_cohort()
    result = nested_cv(X, y, estimator=nb, param_grid={"nb__var_smoothing": [1e-9]},
                       calibration=["none", "sigmoid", "isotonic"], outer_folds=3,
                       inner_folds=3, return_estimators=True)
    methods = [p["method"] for p in result.best_params["params"]]
    assert set(methods) <= {"none", "sigmoid", "isotonic"}
    assert "none" not in methods  # calibrating an overconfident model wins on Brier
    fitted = result.estimators[("Pipeline", 0, 0)]
    assert isinstance(fitted, CalibratedModel)
    assert fitted.method == methods[0]


def test_a_single_calibration_method_is_applied_in_every_fold():
    X, y, nb = _overconfident_cohort()
    result = nested_cv(X, y, estimator=nb, param_grid={}, calibration="sigmoid",
                       outer_folds=3, return_estimators=True)
    assert all(m.method == "sigmoid" for m in result.estimators.values())


def test_family_names_run_with_the_per_therapy_classifier():
    X, y, _ = _cohort(n=150)
    result = nested_cv(X, y, estimator="logistic", outer_folds=3, inner_folds=2,
                       min_patients=30, min_responders=5, return_estimators=True)
    assert result.oof["model"].unique().tolist() == ["logistic"]
    assert result.oof.groupby("patient_id").size().eq(1).all()
    fitted = result.estimators[("logistic", 0, 0)]
    assert type(fitted).__name__ == "PerTherapyClassifier"
    assert set(result.best_params["params"][0]) == {"estimator__classifier__C",
                                                    "estimator__classifier__l1_ratio"}


def test_fits_run_side_by_side_give_the_same_results():
    X, y, _ = _cohort(n=150)
    grids = {"xgboost": {"max_depth": [2, 3]}, "random_forest": {"max_depth": [3, 5]}}

    def run(n_jobs):
        return nested_cv(X, y, estimator=["xgboost", "random_forest"], param_grid=grids,
                         outer_folds=3, inner_folds=2, min_patients=30, min_responders=5,
                         n_jobs=n_jobs, return_estimators=True)

    one, two = run(1), run(2)
    pd.testing.assert_frame_equal(two.oof, one.oof)
    pd.testing.assert_frame_equal(two.best_params, one.best_params)
    fitted = two.estimators[("xgboost", 0, 0)].estimators_["checkpoint_inhibitor"]
    assert fitted.named_steps["classifier"].n_jobs == 1  # one thread per fit


def test_a_joblib_backend_chosen_by_the_caller_runs_the_inner_search():
    from joblib import parallel_config

    def fits_seen_here(n_jobs):
        LOG.clear()
        _spy_run(n_jobs=n_jobs)
        return sum(entry[0] == "fit" for entry in LOG)

    serial = fits_seen_here(1)
    with parallel_config(backend="threading"):
        threaded = fits_seen_here(2)  # threads log into this process, loky workers would not
    assert threaded == serial


def test_a_training_split_without_responders_is_named_before_fitting():
    X, y, _ = _cohort(n=30)
    y[:] = 0
    y.iloc[[0, 20]] = 1  # 2 responders: some inner training split holds none
    LOG.clear()
    with pytest.raises(CohortDataError, match=r"the cohort has 2 "
                                              r"responder\(s\) and 28 non-responder\(s\): a "
                                              r"training split of the 3 inner cross-validation "
                                              r"folds would hold no responder"):
        nested_cv(X, y, estimator=SpyClassifier(), param_grid={"C": [0.1, 1.0]},
                  outer_folds=2, inner_folds=3)
    assert not LOG  # nothing was fitted


def test_labels_other_than_zero_or_one_name_the_patients():
    X, y, _ = _cohort()
    y = y.astype(float)
    y.iloc[[3, 7]] = [2.0, np.nan]
    with pytest.raises(CohortDataError, match=r"2 patients.*'P003', 'P007'"):
        nested_cv(X, y, estimator=SpyClassifier(), param_grid={"C": [1.0]})


def test_fewer_sites_than_folds_is_a_config_error():
    X, y, sites = _cohort(n_sites=3)
    with pytest.raises(ExperimentConfigError, match="has 3"):
        nested_cv(X, y, estimator=SpyClassifier(), param_grid={"C": [1.0]}, sites=sites,
                  outer_folds=5)


@pytest.mark.parametrize(("kwargs", "error", "pattern"), [
    ({"outer_folds": "5"}, TypeError, r"outer_folds must be a whole number; got '5'"),
    ({"outer_folds": 1}, ExperimentConfigError, r"outer_folds must be at least 2"),
    ({"inner_folds": 1.5}, TypeError, r"inner_folds must be a whole number"),
    ({"n_repeats": 0}, ExperimentConfigError, r"n_repeats must be at least 1; got 0"),
    ({"sites": ["a", "b", "c"]}, CohortDataError, r"Got 3 sites for 180 patients"),
    ({"estimator": ["logistic", GaussianNB()]}, TypeError, r"a list holding \['str', "
                                                           r"'GaussianNB'\]"),
    ({"estimator": 3}, TypeError, r"family name or an unfitted estimator; got int"),
])
def test_wrong_arguments_are_named_before_any_fit(kwargs, error, pattern):
    X, y, _ = _cohort()
    with pytest.raises(error, match=pattern):
        nested_cv(X, y, **{"estimator": "logistic", **kwargs})


def test_unknown_family_is_a_config_error():
    X, y, _ = _cohort()
    with pytest.raises(ExperimentConfigError, match="svm"):
        nested_cv(X, y, estimator="svm")


def test_unknown_calibration_method_is_a_config_error():
    X, y, _ = _cohort()
    with pytest.raises(ExperimentConfigError, match="Unknown calibration.*platt.*isotonic"):
        nested_cv(X, y, estimator=SpyClassifier(), param_grid={"C": [1.0]},
                  calibration=["none", "platt"])


@pytest.mark.parametrize(("grid", "pattern"), [
    ({"xgboost": {"min_samples_leaf": [3]}}, r"xgboost has no parameter 'min_samples_leaf'"),
    ({"max_depth": [2]}, r"param_grid names \['max_depth'\].*keyed by family, e.g. "
                         r"\{'xgboost': \{'max_depth': \[...\]\}\}"),
    ({"xgbost": {"max_depth": [2]}}, r"param_grid names \['xgbost'\].*"
                                     r"\{'xgboost': \{...\}\} for 'xgbost'"),
    ({"xgb": {"max_depth": [2]}}, r"\{'xgboost': \{...\}\} for 'xgb'"),
    ({"xgboost": {"max_depth": 2}}, r"single values for \['max_depth'\]"),
    ({"xgboost": {"max_depth": [0]}}, r"max_depth must be a whole number >= 1"),
])
def test_a_family_grid_that_would_be_ignored_or_fail_is_a_config_error(grid, pattern):
    X, y, _ = _cohort()
    with pytest.raises(ExperimentConfigError, match=pattern):
        nested_cv(X, y, estimator="xgboost", param_grid=grid)


def test_a_class_too_small_for_the_folds_is_named_before_fitting():
    rng = np.random.default_rng(0)
    n = 60
    X = pd.DataFrame({"a": rng.normal(size=n),
                      "therapy_class": ["checkpoint_inhibitor"] * (n - 1) + ["cytokine"]},
                     index=[f"P{i}" for i in range(n)])
    y = pd.Series(rng.integers(0, 2, n), index=X.index)
    with pytest.raises(CohortDataError, match="therapy class 'cytokine' has 1 patient"):
        nested_cv(X, y, estimator="logistic", outer_folds=3, inner_folds=2,
                  param_grid={"logistic": {"C": [0.1]}},
                  progress=lambda done, total: pytest.fail("fitted"))


def test_every_fold_routes_a_class_as_the_final_model_does():
    # cytokine has 30 patients: its own model on all patients, but only about 20 in each
    # outer training set, which alone would have sent it to the pooled model in every fold
    from irpredict.evaluation.cv import fit_tuned

    X, y, _ = _cohort(n=180, seed=3)
    counts = pd.crosstab(X["therapy_class"], y)
    assert counts.loc["cytokine"].sum() == 30
    assert counts.loc["cytokine"].min() >= 8
    result = nested_cv(X, y, estimator="logistic", param_grid={"logistic": {"C": [0.5]}},
                       outer_folds=3, inner_folds=2, return_estimators=True)
    final, _ = fit_tuned(X, y, estimator="logistic", param_grid={"logistic": {"C": [0.5]}},
                         inner_folds=2)
    assert "cytokine" in final.therapies_
    for fitted in result.estimators.values():
        assert fitted.therapies_ == final.therapies_


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_calibration_keeps_a_small_therapy_class_in_every_calibration_fold(method):
    X, y, _ = _cohort(n=180, seed=0)
    small = X.index[X["therapy_class"] == "cytokine"][:4]
    keep = X.index[X["therapy_class"] != "cytokine"].union(small)
    X, y = X.loc[keep], y.loc[keep]
    result = nested_cv(X, y, estimator="logistic", param_grid={"logistic": {"C": [0.5]}},
                       outer_folds=2, inner_folds=2, calibration=method)
    scored = result.oof[result.oof["therapy_class"] == "cytokine"]
    assert len(scored) == 4
    assert scored["prob"].between(0, 1).all()
    with pytest.raises(CohortDataError, match="calibration splits each training set again"):
        nested_cv(X.drop(index=small[:2]), y.drop(index=small[:2]), estimator="logistic",
                  param_grid={"logistic": {"C": [0.5]}}, outer_folds=2, inner_folds=2,
                  calibration=method)


def test_labels_that_do_not_match_the_frame_are_named_both_ways():
    X, y, _ = _cohort()
    extra = pd.concat([y, pd.Series([1], index=["GHOST"])])
    with pytest.raises(CohortDataError, match=r"labels for 1 patients not in the feature frame "
                                              r"\(\['GHOST'\]\)"):
        nested_cv(X, extra, estimator="logistic")
    with pytest.raises(CohortDataError, match=r"'yes' -> 1"):
        nested_cv(X, y.map({0: "no", 1: "yes"}), estimator="logistic")


def test_repeats_with_site_grouped_folds_differ_and_keep_sites_whole():
    from irpredict.evaluation.cv import outer_splits

    X, y, sites = _cohort(n=240, seed=2, n_sites=8)
    result = nested_cv(X, y, estimator="logistic", param_grid={"logistic": {"C": [0.5]}},
                       sites=sites, outer_folds=3, inner_folds=2, n_repeats=3)
    by_repeat = {}
    for split in result.splits:
        test_sites = frozenset(sites.loc[split["test"]])
        assert not test_sites & set(sites.loc[split["train"]])  # a site in one fold only
        by_repeat.setdefault(split["repeat"], set()).add(test_sites)
    assert len({frozenset(v) for v in by_repeat.values()}) > 1  # repeats reshuffle the sites
    first = outer_splits(X["therapy_class"].to_numpy(), y.to_numpy(), sites.to_numpy(), 3, 0)
    assert by_repeat[0] == {frozenset(sites.iloc[test]) for _, test in first}
