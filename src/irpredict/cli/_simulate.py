"""`irpredict simulate` (being written)."""

from irpredict.exceptions import IRPredictError


def command():
    """Not available yet."""
    raise IRPredictError("'irpredict simulate' is not available yet")
