"""Global importance: mean absolute SHAP value per biomarker and therapy class."""

import numpy as np

__all__ = ["global_importance", "top_biomarkers"]


def global_importance(explanation, *, by="therapy_class"):
    """Mean |SHAP| (log-odds) of every biomarker, per therapy class, tidy.

    Parameters
    ----------
    explanation : irpredict.explain.Explanation
        The output of :func:`irpredict.explain.explain`.
    by : {"therapy_class", "route", None}, default="therapy_class"
        Grouping of patients: their therapy class, the fitted model that
        explained them, or ``None`` for all patients together (group
        ``"all"``).

    Returns
    -------
    pandas.DataFrame
        Columns ``therapy_class`` (the group), ``biomarker``,
        ``mean_abs_shap``, ``mean_shap``, ``n_patients`` and ``rank`` (1 =
        most important within the group), sorted by group then rank.
        Biomarkers that a group's model never uses (all values 0) are kept
        with importance 0.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from irpredict.explain import Explanation
    >>> idx = pd.Index(["p1", "p2"])
    >>> ex = Explanation(values=pd.DataFrame({"crp": [1.0, -3.0], "age": [0.5, 0.5]}, index=idx),
    ...                  base_values=pd.Series(0.0, index=idx), margin=None, prob=None,
    ...                  therapy_class=pd.Series(["cytokine", "cytokine"], index=idx))
    >>> global_importance(ex)[["biomarker", "mean_abs_shap", "rank"]].to_dict("list")
    {'biomarker': ['crp', 'age'], 'mean_abs_shap': [2.0, 0.5], 'rank': [1, 2]}
    """
    import pandas as pd

    from irpredict.explain.explanation import Explanation

    if not isinstance(explanation, Explanation):
        raise TypeError(f"global_importance takes the Explanation that irpredict.explain.explain "
                        f"returns; got {type(explanation).__name__}")
    values = explanation.values
    if by is None:
        groups = pd.Series("all", index=values.index)
    elif by == "route":
        groups = explanation.routes.astype(str)
    elif by == "therapy_class":
        groups = (explanation.therapy_class.astype(str) if explanation.therapy_class is not None
                  else pd.Series("all", index=values.index))
    else:
        raise ValueError(f"by must be 'therapy_class', 'route' or None; got {by!r}.")
    rows = []
    for grp in sorted(groups.unique()):
        block = values.to_numpy(dtype=np.float64)[(groups == grp).to_numpy()]
        frame = pd.DataFrame({
            "therapy_class": grp,
            "biomarker": values.columns,
            "mean_abs_shap": np.abs(block).mean(axis=0),
            "mean_shap": block.mean(axis=0),
            "n_patients": len(block),
        })
        frame = frame.sort_values(["mean_abs_shap", "biomarker"], ascending=[False, True],
                                  kind="stable")
        frame["rank"] = np.arange(1, len(frame) + 1)
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


def top_biomarkers(explanation, k=5, *, by="therapy_class"):
    """The ``k`` biomarkers with the largest mean |SHAP| per group.

    Parameters
    ----------
    explanation : irpredict.explain.Explanation
    k : int, default=5
    by : {"therapy_class", "route", None}, default="therapy_class"
        See :func:`global_importance`.

    Returns
    -------
    dict of str to list of str
        Group -> biomarkers, most important first.
    """
    table = global_importance(explanation, by=by)
    top = table[table["rank"] <= k]
    return {grp: list(block["biomarker"]) for grp, block in top.groupby("therapy_class")}
