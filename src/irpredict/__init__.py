"""irpredict: predict and monitor response to immunotherapy in breast cancer.

The top-level package stays free of heavy imports so that ``irpredict --help``
starts quickly; import the subpackages (``irpredict.data``,
``irpredict.features``, ...) for the API.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "show_versions"]


def show_versions():
    """Return the versions of irpredict and the libraries it is built on.

    Returns
    -------
    dict of str to str
        Package name to installed version (``"not installed"`` when absent).
    """
    from importlib import metadata

    names = ["irpredict", "numpy", "pandas", "scikit-learn", "xgboost", "shap",
             "mlflow", "pandera", "typer", "rich", "matplotlib"]
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
