"""One category level written several ways (``negative``, ``NEGATIVE``, ``Negative ``) is one
level: read as its most common spelling, and said."""

import warnings

from irpredict.exceptions import DataWarning

__all__ = ["fold_level_spellings"]


def fold_level_spellings(patients, columns, source):
    """``patients`` with each categorical column's spellings of a level made one.

    Spellings are the same level when they differ only in case or surrounding
    white space; each becomes the level's most common spelling (the first seen
    on a tie), so training, scoring and serving read one level where a person
    wrote one. A DataWarning names every column changed.

    Parameters
    ----------
    patients : pandas.DataFrame
    columns : iterable of str
        The categorical feature columns.
    source : str
        The patients table, named in the warning.

    Returns
    -------
    pandas.DataFrame
        ``patients`` itself when nothing changed, else a copy.
    """
    import pandas as pd

    out, said = patients, []
    for column in columns:
        if column not in patients.columns:
            continue
        values = patients[column]
        text = values[values.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)].astype(str)
        if text.empty:
            continue
        key = text.str.strip().str.casefold()
        # per level, its spellings from most to least common (first seen on a tie)
        counts = pd.DataFrame({"key": key.to_numpy(), "text": text.to_numpy()}).groupby(
            ["key", "text"], sort=False).size()
        ordered = counts.reset_index(name="n").sort_values("n", ascending=False, kind="stable")
        spellings = ordered.groupby("key", sort=False)["text"].agg(list)
        several = spellings[spellings.map(len) > 1]
        if several.empty:
            continue
        chosen = several.map(lambda names: names[0])
        folded = key.map(chosen).fillna(text)
        if out is patients:
            out = patients.copy()
        out[column] = values.astype(object)
        out.loc[text.index, column] = folded.to_numpy(dtype=object)
        respelt = int((folded != text).sum())
        shown = "; ".join(f"{names[0]!r} (also {', '.join(map(repr, names[1:]))})"
                          for names in list(several)[:4])
        said.append(f"{column!r}: {shown}{' ...' if len(several) > 4 else ''} "
                    f"({respelt} values respelt)")
    if said:
        warnings.warn(
            f"{source}: levels written in several spellings (case or spaces) are read as one, "
            f"in their most common spelling: {' | '.join(said)}. Write each level one way to "
            "silence this", DataWarning, stacklevel=3)
    return out
