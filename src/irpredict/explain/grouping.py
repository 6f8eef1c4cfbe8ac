"""Map model features back to the biomarkers clinicians know, and sum SHAP values.

Two steps, each a plain many-to-one map, so summing SHAP columns along them
keeps additivity (SHAP values add):

1. **Transformed feature -> input column.** Read from the fitted
   preprocessing itself, not from the names: a median imputer's missingness
   indicator ``missingindicator_<col>`` belongs to ``<col>`` (its
   ``indicator_.features_``), and the one-hot children ``<col>__<category>``
   belong to ``<col>`` (the encoder's ``categories_``). Names are used only
   as a fallback for transformers whose structure is unknown.
2. **Input column -> biomarker.** Feature columns built by
   :func:`irpredict.features.build_features` are ``<biomarker>__<stat>``
   (``crp__baseline``, ``ctdna__log2fc_d42``, ``tumor_size__pctchg_d42``), so
   the biomarker is the part before the first ``__``; patient-table columns
   (``age``, ``pam50``) are their own biomarker; the therapy indicators of the
   pooled model (``therapy_class__cytokine``) become ``"therapy_class"``.
   Finally :data:`ALIASES` renames derived quantities to the biomarker they
   are read from, and puts a ratio and its parts in one group.
"""

import numpy as np

__all__ = ["ALIASES", "biomarker_of", "input_columns", "sum_by_group"]

#: Derived feature stems and the biomarker they express. ``ldh_uln_ratio``
#: (LDH / its upper limit of normal) and the site's ``ldh_uln`` itself are
#: both readings of LDH. A ratio and the counts it is computed from form one
#: group named after the ratio, as clinicians know it: ``nlr`` holds the
#: neutrophil (``anc``) and lymphocyte (``alc``) counts, ``plr`` the platelet
#: count. A ratio is an exact function of its parts (on the log scale a
#: linear one: log nlr = log anc - log alc), so a model can put the same
#: signal on the ratio, on the parts or on both, and how SHAP credit is split
#: among them depends on the penalty or the tree splits, not on the data;
#: only their sum is meaningful. (``alc`` also enters ``plr``; it is counted
#: with ``nlr``, the ratio with established prognostic value.)
ALIASES = {"ldh_uln_ratio": "ldh", "ldh_uln": "ldh",
           "anc": "nlr", "alc": "nlr", "platelets": "plr"}

_INDICATOR_PREFIX = "missingindicator_"


def biomarker_of(column, *, therapy_col="therapy_class", aliases=None):
    """The biomarker an input column expresses.

    Parameters
    ----------
    column : str
        An input column of the model (``crp__log2fc_d42``, ``age``,
        ``therapy_class__cytokine``).
    therapy_col : str, default="therapy_class"
        Name of the therapy column; its indicators map to it.
    aliases : dict of str to str or None, default=None
        Renames applied last; ``None`` uses :data:`ALIASES`.

    Returns
    -------
    str

    Examples
    --------
    >>> biomarker_of("ctdna__log2fc_d42"), biomarker_of("ldh_uln_ratio__baseline")
    ('ctdna', 'ldh')
    >>> biomarker_of("therapy_class__cytokine"), biomarker_of("pam50")
    ('therapy_class', 'pam50')
    """
    aliases = ALIASES if aliases is None else aliases
    column = str(column)
    if therapy_col and column.startswith(f"{therapy_col}__"):
        return therapy_col
    stem = column.split("__", 1)[0] if "__" in column[1:] else column
    return aliases.get(stem, stem)


def _fallback_source(name, columns):
    """Input column of a transformed feature, from its name alone."""
    if name.startswith(_INDICATOR_PREFIX) and name[len(_INDICATOR_PREFIX):] in columns:
        return name[len(_INDICATOR_PREFIX):]
    if name in columns:
        return name
    best = None
    for col in columns:
        if name.startswith(f"{col}__") and (best is None or len(col) > len(best)):
            best = col
    return best if best is not None else name


def _step_sources(step, sources):
    """Propagate the input column of each feature through one fitted step.

    Returns None when the step's structure is not understood.
    """
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OneHotEncoder

    if isinstance(step, SimpleImputer):
        stats = getattr(step, "statistics_", None)
        keep = list(sources)
        if not step.keep_empty_features and stats is not None and stats.dtype.kind == "f":
            keep = [s for s, v in zip(sources, stats, strict=True) if not np.isnan(v)]
        if step.add_indicator and getattr(step, "indicator_", None) is not None:
            keep += [sources[i] for i in step.indicator_.features_]
        return keep
    if isinstance(step, OneHotEncoder):
        if getattr(step, "infrequent_categories_", None) is not None and any(
                c is not None for c in step.infrequent_categories_):
            return None
        drop = step.drop_idx_ if step.drop_idx_ is not None else [None] * len(sources)
        out = []
        for src, cats, d in zip(sources, step.categories_, drop, strict=True):
            out += [src] * (len(cats) - (d is not None))
        return out
    n_out = getattr(step, "n_features_out_", None)
    try:
        n_out = len(step.get_feature_names_out())
    except Exception:  # noqa: BLE001 - any failure means "structure unknown"
        pass
    return list(sources) if n_out in (None, len(sources)) else None


def _transformer_sources(transformer, columns):
    from sklearn.pipeline import Pipeline

    steps = [s for _, s in transformer.steps] if isinstance(transformer, Pipeline) else [
        transformer]
    sources = list(columns)
    for step in steps:
        if step in ("passthrough", None):
            continue
        sources = _step_sources(step, sources)
        if sources is None:
            return None
    return sources


def input_columns(preprocess, input_names, output_names):
    """Input column of every transformed feature of a fitted ColumnTransformer.

    Parameters
    ----------
    preprocess : sklearn.compose.ColumnTransformer or None
        The fitted preprocessing (``None``: features are the inputs).
    input_names : list of str
        Columns of the frame given to the model.
    output_names : list of str
        Transformed feature names, in order, before any renaming for XGBoost.

    Returns
    -------
    list of str
        One input column per transformed feature.

    Examples
    --------
    >>> input_columns(None, ["a", "b"], ["a", "missingindicator_a", "b__x"])
    ['a', 'a', 'b']
    """
    output_names = [str(n) for n in output_names]
    if preprocess is not None and hasattr(preprocess, "transformers_"):
        sources = []
        for _, trans, cols in preprocess.transformers_:
            if trans == "drop" or cols is None or len(cols) == 0:
                continue
            cols = [input_names[c] if isinstance(c, (int, np.integer)) else c
                    for c in np.atleast_1d(cols)]
            part = cols if trans == "passthrough" else _transformer_sources(trans, cols)
            if part is None:
                sources = None
                break
            sources += [str(c) for c in part]
        if sources is not None and len(sources) == len(output_names):
            return sources
    known = set(map(str, input_names))
    return [_fallback_source(n, known) for n in output_names]


def sum_by_group(values, groups):
    """Sum the columns of a SHAP matrix that share a group label.

    Column by column in column-major memory (float64 accumulation), linear
    in the number of values.

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_columns)
        SHAP values (one column per feature), float32 or float64.
    groups : list of str
        Group of every column.

    Returns
    -------
    summed : ndarray of shape (n_rows, n_groups)
        Float64.
    labels : list of str
        The groups, in order of first appearance.

    Examples
    --------
    >>> import numpy as np
    >>> summed, labels = sum_by_group(np.array([[1.0, 2.0, 4.0]]), ["a", "b", "a"])
    >>> summed.tolist(), labels
    ([[5.0, 2.0]], ['a', 'b'])
    """
    values = np.asarray(values)
    groups = list(groups)
    if values.ndim != 2 or values.shape[1] != len(groups):
        raise ValueError(f"{np.shape(values)} values but {len(groups)} group labels.")
    labels = list(dict.fromkeys(groups))
    code = {g: i for i, g in enumerate(labels)}
    codes = np.fromiter((code[g] for g in groups), dtype=np.int64, count=len(groups))
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(labels) + 1))
    # column-major, so every column operation below reads contiguous memory
    source = np.asfortranarray(values)
    out = np.empty((values.shape[0], len(labels)), dtype=np.float64, order="F")
    for k in range(len(labels)):
        members = order[bounds[k]:bounds[k + 1]]
        out[:, k] = source[:, members[0]]
        for j in members[1:]:
            out[:, k] += source[:, j]
    return out, labels
