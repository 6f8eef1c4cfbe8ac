"""The cross-fit behind report subgroups and `screen --model` keeps each site in one fold."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.tree import DecisionTreeClassifier

from irpredict.training.crossfit import crossfit_scores


def _site_memoriser():
    """A tree on the site code alone: it can only score a site it has seen."""
    classifier = make_pipeline(
        ColumnTransformer([("site", "passthrough", ["site_code"])]),
        DecisionTreeClassifier(random_state=0))
    return SimpleNamespace(classifier=classifier,
                           input_columns=["site_code", "therapy_class"])


def _cohort(n_sites=20, per_site=10):
    site_code = np.repeat(np.arange(n_sites), per_site)
    X = pd.DataFrame({"site_code": site_code.astype(float),
                      "therapy_class": "checkpoint_inhibitor"},
                     index=pd.Index([f"P{i:03d}" for i in range(len(site_code))],
                                    name="patient_id"))
    y = pd.Series(site_code % 2, index=X.index)  # response decided by the site alone
    sites = pd.Series([f"site_{c:02d}" for c in site_code], index=X.index)
    return X, y, sites


def test_with_sites_no_patient_is_scored_by_a_model_that_saw_their_site():
    X, y, sites = _cohort()
    model = _site_memoriser()
    ungrouped = crossfit_scores(model, X, y)
    grouped = crossfit_scores(model, X, y, sites=sites)
    assert roc_auc_score(y, ungrouped) > 0.99  # every site seen in training: memorised
    assert roc_auc_score(y, grouped) < 0.5  # unseen sites: the memorised parity is useless
    assert grouped.notna().all()
    for _, scores in grouped.groupby(sites):
        assert scores.nunique() == 1  # a site's patients are scored together


def test_too_few_sites_for_the_folds_fall_back_to_stratified_folds():
    X, y, _ = _cohort()
    three_sites = pd.Series(np.arange(len(X)) % 3, index=X.index).astype(str)
    assert crossfit_scores(_site_memoriser(), X, y, sites=three_sites).equals(
        crossfit_scores(_site_memoriser(), X, y))
