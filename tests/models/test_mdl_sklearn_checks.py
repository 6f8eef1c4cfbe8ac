"""scikit-learn's estimator checks on the array-friendly meta-estimators.

``PerTherapyClassifier`` needs a DataFrame with a therapy column, so only
the parameter checks apply to it (tests/models/test_mdl_per_therapy.py).
``AveragingClassifier(average="logit")`` refuses more than two classes by
design (its tags say so, and the suite checks it refuses them before fitting).
About 40 s on a busy 2-core machine, hence ``slow``.
"""

import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.utils.estimator_checks import parametrize_with_checks

from irpredict.models import AveragingClassifier, CalibratedModel
from irpredict.models.linear import LogisticRegressionWithMean

ESTIMATORS = [
    LogisticRegressionWithMean(),
    AveragingClassifier([("lr", LogisticRegression()), ("nb", GaussianNB())],
                        average="probability"),
    AveragingClassifier([("lr", LogisticRegression()), ("nb", GaussianNB())], average="logit"),
    CalibratedModel(LogisticRegression(), method="sigmoid"),
]


@pytest.mark.slow
@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)
