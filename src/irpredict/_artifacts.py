"""Reading a fitted model's joblib file or pyfunc folder, with a clear error when it is
damaged or names code that cannot be imported."""

__all__ = ["load_fitted", "load_pyfunc"]


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


def load_pyfunc(uri, model_uri):
    """``mlflow.pyfunc.load_model(uri)``, with code that cannot be imported named clearly.

    Raises
    ------
    irpredict.tracking.TrackingError
        The model's MLmodel names a module this Python cannot import.
    """
    import mlflow
    from mlflow.exceptions import MlflowException

    from irpredict.tracking.store import TrackingError

    try:
        return mlflow.pyfunc.load_model(uri)
    except MlflowException as exc:
        if "No such artifact" not in str(exc) and "does not exist" not in str(exc):
            raise
        raise TrackingError(
            f"model {model_uri} cannot be loaded: the store records it, but its files are not "
            f"where the store says ({str(exc)[:200]}). The store keeps absolute paths to the "
            "artifact folders beside it: a store moved or copied elsewhere needs them at their "
            "old place, or the model trained again") from None
    except ImportError as exc:
        raise TrackingError(
            f"model {model_uri} cannot be loaded: {exc}; its MLmodel names code this Python "
            "environment cannot import. Install the packages in the model's requirements.txt, "
            "or register or export the model again if its MLmodel was edited") from None
