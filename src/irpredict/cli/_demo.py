"""`irpredict demo` (being written)."""

from irpredict.exceptions import IRPredictError


def command():
    """Not available yet."""
    raise IRPredictError("'irpredict demo' is not available yet")
