"""Reading a fitted model's joblib file, with a clear error when the file is damaged."""

__all__ = ["load_fitted"]


def load_fitted(path):
    """The object pickled in ``path`` by ``joblib.dump``.

    Raises
    ------
    irpredict.tracking.TrackingError
        The file is truncated, empty or not a model file (joblib's own
        errors, e.g. EOFError, would end a command with a bare "Aborted!").
    """
    import pickle
    import zlib

    import joblib

    from irpredict.tracking.store import TrackingError

    try:
        return joblib.load(path)
    except (EOFError, pickle.UnpicklingError, KeyError, IndexError, ValueError, TypeError,
            zlib.error) as exc:
        raise TrackingError(
            f"the model file {path} is damaged or is not a model file ({type(exc).__name__}: "
            f"{str(exc)[:80] or 'no detail'}); register or export the model again, or copy "
            "the model folder again if it was transferred") from None
