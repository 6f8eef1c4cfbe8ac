"""Biomarker names as exports write them: in any case, or written out in full."""

__all__ = ["LAB_SYNONYMS", "one_biomarker_spelling"]


#: Lab names written out in full, as hospital exports write them, and the short name
#: irpredict reads them under (its units, ratios and plausible ranges are keyed by it).
LAB_SYNONYMS = {
    "c-reactive protein": "crp", "c reactive protein": "crp",
    "lactate dehydrogenase": "ldh", "lactic dehydrogenase": "ldh",
    "absolute neutrophil count": "anc", "neutrophil count": "anc",
    "absolute lymphocyte count": "alc", "lymphocyte count": "alc",
    "platelet count": "platelets", "serum albumin": "albumin",
    "circulating tumour dna": "ctdna", "circulating tumor dna": "ctdna",
}


def _short_lab_names(names, source):
    """Lab names written out in full read under their short name, said in a warning: a
    cohort writing ``crp`` at baseline and ``C-reactive protein`` later is one series."""
    import warnings

    from irpredict.exceptions import DataWarning

    renames = {n: LAB_SYNONYMS[str(n).lower().strip()] for n in names.dropna().unique()
               if str(n).lower().strip() in LAB_SYNONYMS}
    if not renames:
        return names
    shown = "; ".join(f"'{old}' as '{new}'" for old, new in list(renames.items())[:5])
    warnings.warn(f"{source}: column 'biomarker': lab names written out in full are read under "
                  f"their short name: {shown}", DataWarning, stacklevel=4)
    return names.replace(renames)


def _one_spelling(names, source):
    """Biomarker names that differ only in case, read as their most frequent spelling.

    ``CTDNA`` beside ``ctdna`` would otherwise be two biomarkers (one mostly
    empty); the rows read under another spelling are said in a warning.
    """
    import warnings

    from irpredict.exceptions import DataWarning

    counts = names.dropna().value_counts()
    if counts.empty:
        return names
    frame = counts.rename("n").reset_index().rename(columns={"index": "name"})
    frame.columns = ["name", "n"]
    frame["key"] = frame["name"].str.lower()
    # most rows first; a tie goes to the lower-case spelling, then alphabetical
    frame = frame.sort_values(["key", "n", "name"], ascending=[True, False, False],
                              kind="stable")
    chosen = frame.groupby("key")["name"].first()
    renames = {n: chosen[k] for n, k in zip(frame["name"], frame["key"], strict=True)
               if n != chosen[k]}
    if not renames:
        return names
    shown = "; ".join(f"'{old}' ({int(counts[old])} rows) as '{new}'"
                      for old, new in list(renames.items())[:5])
    warnings.warn(f"{source}: column 'biomarker': names that differ only in upper/lower case "
                  f"are one biomarker: read {shown}", DataWarning, stacklevel=4)
    return names.replace(renames)


def one_biomarker_spelling(names, source):
    """Biomarker names read under one spelling each (full lab names under their short name,
    then names differing only in case under their most frequent spelling), said in warnings.

    Parameters
    ----------
    names : pandas.Series of str
    source : str
        File name used in messages.

    Returns
    -------
    pandas.Series
    """
    return _one_spelling(_short_lab_names(names, source), source)
