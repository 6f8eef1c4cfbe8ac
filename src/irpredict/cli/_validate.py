"""`irpredict validate` (being written)."""

from irpredict.exceptions import IRPredictError


def command():
    """Not available yet."""
    raise IRPredictError("'irpredict validate' is not available yet")
