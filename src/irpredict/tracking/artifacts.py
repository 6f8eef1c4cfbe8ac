"""Turning evaluation output into MLflow names, values and files.

Metric names follow ``<metric>__<therapy_class>`` (``auc__checkpoint_inhibitor``,
``auc_ci_low__overall``). MLflow accepts letters, digits, ``_ - . /`` and
space in keys; anything else becomes ``_``. Every file of one run is written
to a temporary folder first and uploaded with one ``log_artifacts`` call.
"""

import json
import math
import re
from pathlib import Path

from irpredict.tracking.store import TrackingError

__all__ = [
    "sanitize_key",
    "flatten_metrics",
    "flatten_params",
    "write_frame",
    "write_figures",
    "write_json",
    "copy_files",
]

_UNSAFE = re.compile(r"[^A-Za-z0-9_\-./ ]+")
_MAX_KEY = 250
_MAX_PARAM_VALUE = 6000
_GROUP_COLUMNS = ("therapy_class", "group", "subgroup")


def sanitize_key(name):
    """Return ``name`` made acceptable as an MLflow param or metric key.

    Parameters
    ----------
    name : object
        Raw name; converted with ``str``.

    Returns
    -------
    str
        Unsafe characters replaced by ``_``, ``..`` collapsed, at most 250
        characters.

    Examples
    --------
    >>> sanitize_key("auc (95% CI)|overall")
    'auc _95_ CI_overall'
    """
    key = _UNSAFE.sub("_", str(name)).strip()
    key = re.sub(r"\.{2,}", ".", key).strip("/")
    return (key or "_")[:_MAX_KEY]


def flatten_metrics(metrics_frame, *, group_col=None):
    """Flatten a wide metrics frame (a row per group, a column per metric) into
    ``{"<metric>__<group>": float}``.

    Parameters
    ----------
    metrics_frame : pandas.DataFrame or None
        One row per group (therapy class or ``"overall"``) and one numeric
        column per metric (``auc``, ``auc_ci_low``, ...). Non-numeric columns
        other than the group column are ignored.
    group_col : str or None, default=None
        Column naming the group; ``None`` uses the first of
        ``therapy_class``/``group``/``subgroup`` present, else the index.

    Returns
    -------
    dict of str to float
        Finite values only (NaN and infinities are dropped: MLflow would
        store them but they break comparisons in the UI).

    Raises
    ------
    ValueError
        When two rows share a group name.
    """
    if metrics_frame is None or len(metrics_frame) == 0:
        return {}
    frame = metrics_frame
    if group_col is None:
        group_col = next((c for c in _GROUP_COLUMNS if c in frame.columns), None)
    groups = frame[group_col] if group_col is not None else frame.index.to_series()
    groups = groups.astype(str).tolist()
    duplicated = sorted({g for g in groups if groups.count(g) > 1})
    if duplicated:
        raise ValueError(
            f"the metrics frame has {len(duplicated)} repeated group(s) in "
            f"{group_col or 'its index'}: {duplicated[:5]}; pass one row per group."
        )
    numeric = frame.drop(columns=[group_col] if group_col else []).select_dtypes("number")
    out = {}
    for group, (_, row) in zip(groups, numeric.iterrows(), strict=True):
        for metric, value in row.items():
            value = float(value)
            if math.isfinite(value):
                out[sanitize_key(f"{metric}__{group}")] = value
    return out


def flatten_params(params):
    """Return ``params`` as MLflow-ready ``{key: str}`` (nested dicts joined with ``.``).

    Parameters
    ----------
    params : mapping or None
        Flat or nested; values are stringified and cut to 6000 characters.

    Returns
    -------
    dict of str to str
    """
    out = {}

    def visit(prefix, value):
        if isinstance(value, dict):
            for key, sub in value.items():
                visit(f"{prefix}.{key}" if prefix else str(key), sub)
            return
        text = value if isinstance(value, str) else repr(value) if callable(value) else str(value)
        out[sanitize_key(prefix)] = text[:_MAX_PARAM_VALUE]

    visit("", dict(params or {}))
    return out


def write_frame(frame, path):
    """Write ``frame`` to ``path`` as CSV (``.csv``) or Parquet (``.parquet``).

    Parameters
    ----------
    frame : pandas.DataFrame
    path : path-like

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, lineterminator="\n")
    return path


def write_figures(figures, folder):
    """Save figures as PNG files in ``folder``.

    Parameters
    ----------
    figures : mapping of str to (matplotlib Figure, bytes or path-like) or None
        Name (without ``.png``) to a figure object, PNG bytes or an existing
        PNG file.
    folder : path-like

    Returns
    -------
    list of pathlib.Path
    """
    if not figures:
        return []
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, figure in figures.items():
        target = folder / f"{_file_stem(name)}.png"
        if isinstance(figure, (bytes, bytearray)):
            target.write_bytes(bytes(figure))
        elif isinstance(figure, (str, Path)):
            source = Path(figure)
            if not source.is_file():
                raise TrackingError(
                    f"figure {name!r}: {source} does not exist; pass an existing file."
                )
            target.write_bytes(source.read_bytes())
        else:
            figure.savefig(target, format="png", dpi=100)
        written.append(target)
    return written


def write_json(payload, path):
    """Write ``payload`` as sorted, indented JSON and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")
    return path


def copy_files(artifacts, folder):
    """Copy extra files or folders into ``folder`` under the given names.

    Parameters
    ----------
    artifacts : mapping of str to path-like, or iterable of path-like, or None
        Artifact name to source; a plain list keeps each file's own name.
    folder : path-like

    Returns
    -------
    list of pathlib.Path
    """
    import shutil

    if artifacts is None:
        return []
    items = artifacts.items() if isinstance(artifacts, dict) else (
        (Path(p).name, p) for p in artifacts
    )
    folder = Path(folder)
    written = []
    for name, source in items:
        source = Path(source)
        target = folder / _file_stem(name, keep_suffix=True)
        if source.is_dir():
            shutil.copytree(source, target)
        elif source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        else:
            raise TrackingError(
                f"artifact {name!r}: {source} does not exist; pass an existing file."
            )
        written.append(target)
    return written


def _file_stem(name, keep_suffix=False):
    stem = re.sub(r"[^A-Za-z0-9._+-]+", "_", str(name)).strip("._") or "artifact"
    return stem if keep_suffix else stem.removesuffix(".png")
