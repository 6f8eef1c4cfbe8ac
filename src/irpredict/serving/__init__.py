"""The MLflow model irpredict registers, and the server that answers with it."""

__all__ = ["MODEL_CODE_PATH"]

from pathlib import Path

#: The models-from-code file MLflow loads (see :mod:`irpredict.serving.pyfunc`).
MODEL_CODE_PATH = Path(__file__).with_name("_model_code.py")
