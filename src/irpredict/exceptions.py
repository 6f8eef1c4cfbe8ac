"""Errors and warnings raised by irpredict.

Every error subclasses the builtin that callers already catch, so
``except ValueError`` keeps working for code that does not know irpredict.
"""

__all__ = [
    "IRPredictError",
    "CohortDataError",
    "ExperimentConfigError",
    "UnknownTherapyError",
    "LeakageError",
    "CriteriaError",
    "SparseTrajectoryWarning",
    "MissingFeatureWarning",
    "DataWarning",
    "DefaultFeatureWarning",
    "OutcomeColumnWarning",
]


class IRPredictError(Exception):
    """Base class of every error irpredict raises on purpose.

    The CLI prints the message of these errors (and of their subclasses) as
    one readable line and exits with status 1.
    """


class CohortDataError(IRPredictError, ValueError):
    """A cohort file or table is malformed.

    Parameters
    ----------
    message : str
        What is wrong, where (file, column, rows or patients) and how to fix it.
    failure_cases : pandas.DataFrame or None, default=None
        The structured failure cases (pandera's payload) when available.
    """

    def __init__(self, message, failure_cases=None):
        super().__init__(message)
        self.failure_cases = failure_cases


class ExperimentConfigError(IRPredictError, ValueError):
    """An experiment file (``experiments/<study>.toml``) is malformed."""


class UnknownTherapyError(IRPredictError, ValueError):
    """A therapy class is not one irpredict knows or a model was trained on."""


class LeakageError(IRPredictError, ValueError):
    """A label column, or data derived from the response assessment, was asked
    to be used as a feature."""


class CriteriaError(IRPredictError, ValueError):
    """An enrollment-criteria expression is malformed, names an unknown column,
    or uses something the criteria language does not allow."""


class DataWarning(UserWarning):
    """Something about the data a result rests on that the user should know (patients left
    out, a class with one outcome only). The CLI prints these as ``warning:`` lines."""


class DefaultFeatureWarning(DataWarning):
    """A column was left out of a cohort's default features (moot where a model picks them)."""


class OutcomeColumnWarning(DefaultFeatureWarning):
    """A column whose name reads as an outcome was left out of a cohort's default features."""


class SparseTrajectoryWarning(UserWarning):
    """Too few on-treatment observations to compute a kinetic feature."""


class MissingFeatureWarning(UserWarning):
    """Features a model was trained on cannot be built from the cohort it is applied to.

    The model still runs (it imputes them as it imputes any missing value),
    but its predictions lean on the remaining features only. The CLI prints
    these as ``warning:`` lines.
    """
