"""Column mappings: how a wide cohort table (plus longitudinal files) becomes a :class:`Cohort`.

A :class:`ColumnMapping` names the id column, the label (and how its values map
to 0/1), the therapy class (a constant or a :class:`TherapyRule`), which
columns are features, categorical, dropped or excluded, and optional
longitudinal sources (:class:`MeasurementSource`, :class:`TumorSource`).
Experiment files (``experiments/<study>.toml``) are parsed into these objects;
see ``experiments/README.md`` for the file format.
"""

from dataclasses import dataclass, field
from pathlib import Path

from irpredict.exceptions import CohortDataError

__all__ = [
    "ColumnMapping",
    "TherapyRule",
    "MeasurementSource",
    "TumorSource",
    "TUMOR_SIZE",
    "load_wide_table",
    "map_tables",
]

#: Pseudo-biomarker name of the tumour-size series in ``response_derived_biomarkers``.
TUMOR_SIZE = "tumor_size"


@dataclass(frozen=True)
class TherapyRule:
    """Derive ``therapy_class`` from a source column.

    Parameters
    ----------
    column : str
        Source column whose values decide the therapy class.
    map : dict of str to str
        Exact value (as text; ``1.0`` reads as ``"1"``) to therapy class.
    patterns : dict of str to str
        Regular expression (``re.search``) to therapy class, tried in order for
        values ``map`` does not cover.
    default : str or None
        Therapy class of every other value (missing values included); ``None``
        makes an unmatched value an error.
    known_values : tuple of str or None
        The column's values in a model's training data (set when a model is
        trained): another value is not given ``default`` but refused, since
        the model never saw it. ``None`` accepts any value.
    """

    column: str
    map: dict = field(default_factory=dict)
    patterns: dict = field(default_factory=dict)
    default: str | None = None
    known_values: tuple | None = None


@dataclass(frozen=True)
class MeasurementSource:
    """One source of rows for the long ``measurements`` table.

    Parameters
    ----------
    layout : {"long", "wide", "fixed_day"}
        ``long``: one row per draw (``time`` and ``value`` columns);
        ``wide``: one row per patient, one column per draw (``days`` maps column
        to day); ``fixed_day``: one value per patient at ``day`` (repeated rows
        must agree).
    biomarker : str or None
        Biomarker name (or use ``biomarker_column`` in the long layout).
    file : str or None
        Table to read; ``None`` reads the patients table itself.
    id : str or None
        Id column of ``file``; ``None`` uses the mapping's id column.
    unit, unit_column : str or None
        The unit as a constant or a column.
    time, time_unit, day_offset : str, str, float
        Long layout: time column, its unit (days, weeks, hours, or ``date``:
        calendar dates, counted in days from the patient's
        :attr:`ColumnMapping.start_date`) and a shift in days added after
        conversion (``-1`` when day 1 is the first dose).
    value : str or None
        Value column (long and fixed_day layouts).
    days : dict of str to float
        Wide layout: column name to day since first dose.
    day : float or None
        Fixed-day layout: the day of the value.
    change : {"none", "log10"}
        Fixed-day layout: ``log10`` means ``value`` is the log10 fold change from
        the same biomarker at ``baseline_day`` (taken from earlier sources), so
        the stored value is ``baseline * 10 ** value``.
    baseline_day : float
        Day of the baseline for ``change = "log10"``.
    response_derived : bool
        The biomarker is derived from the response assessment (never a feature).
    """

    layout: str = "long"
    biomarker: str | None = None
    biomarker_column: str | None = None
    file: str | None = None
    id: str | None = None
    unit: str | None = None
    unit_column: str | None = None
    time: str | None = None
    time_unit: str = "days"
    day_offset: float = 0.0
    value: str | None = None
    days: dict = field(default_factory=dict)
    day: float | None = None
    change: str = "none"
    baseline_day: float = 0.0
    response_derived: bool = False


@dataclass(frozen=True)
class TumorSource:
    """The source of the ``tumor_assessments`` table (one row per imaging visit).

    Parameters
    ----------
    time : str
        Time column; converted with ``time_unit`` (days, weeks, hours or
        ``date``) and shifted by ``day_offset``.
    file : str or None
        Table to read; ``None`` reads the patients table.
    id : str or None
        Id column of ``file``; ``None`` uses the mapping's id column.
    sld : str or None
        Column with the sum of target-lesion diameters in mm, or
    percent_change : str or None
        column with the percent change from ``baseline`` (a patients column in mm);
        rows with a missing change are dropped.
    baseline : str or None
        Patients column with the baseline size in mm.
    add_baseline : bool
        Add a row at ``baseline_day`` holding ``baseline``.
    baseline_day : float
        Day of that baseline row.
    nontarget, new_lesion : str or None
        Optional columns copied to ``nontarget`` and ``new_lesion``.
    response_derived : bool
        The response label was read from these measurements; marks the pseudo
        biomarker :data:`TUMOR_SIZE` as response-derived.
    """

    time: str
    file: str | None = None
    id: str | None = None
    time_unit: str = "days"
    day_offset: float = 0.0
    sld: str | None = None
    percent_change: str | None = None
    baseline: str | None = None
    add_baseline: bool = True
    baseline_day: float = 0.0
    nontarget: str | None = None
    new_lesion: str | None = None
    response_derived: bool = False


@dataclass(frozen=True)
class ColumnMapping:
    """How the columns of a wide patients table map onto the cohort data model.

    Parameters
    ----------
    id : str
        Patient id column (becomes ``patient_id``, as text).
    label : str or None
        Response column (becomes ``response``); ``None`` for unlabelled cohorts.
    label_map : dict or None
        Source value (as text) to 0/1; ``None`` requires 0/1 values.
    therapy_class : str or None
        Constant therapy class of every patient, or
    therapy_rule : TherapyRule or None
        a rule deriving it from a column.
    site : str or None
        Column copied to ``site``.
    features : tuple of str or None
        Feature columns; ``None`` means every remaining column.
    categorical : tuple of str
        Categorical feature columns (text columns are categorical anyway).
    drop : tuple of str
        Source columns removed on reading (index columns and the like).
    exclude : tuple of str
        Columns that must never be features (outcomes, published scores).
    rename : tuple of (str, str)
        Feature columns renamed on reading, source name first (an external
        cohort's ``ECOG_PS`` read as the training data's ``ecog``). ``id``,
        ``label``, ``site``, ``therapy_rule.column`` and ``drop`` name source
        columns; ``features``, ``categorical``, ``exclude``,
        ``response_derived`` and feature sets use the new names.
    response_derived : tuple of str
        Columns built with the response in view: left out of the default
        features, usable only in feature sets marked as sensitivity analyses.
    measurements : tuple of MeasurementSource
        Sources of the ``measurements`` table, read in order.
    tumor_assessments : TumorSource or None
        Source of the ``tumor_assessments`` table.
    response_derived_biomarkers : tuple of str
        Further biomarker names to mark as response-derived.
    start_date : str or None
        Patients-table column with each patient's first-dose date, from which
        time columns of dates (``time_unit = "date"``) count days (the
        first-dose date is day 0). Never a feature.
    date_format : str or None
        strftime format of dates written as text (``"%d/%m/%Y"``); ``None``
        reads ISO 8601 (``2021-03-04``) and spreadsheet date cells.

    Notes
    -----
    Source columns named like a canonical column (``patient_id``,
    ``therapy_class``, ``response``, ``site``, or pandas' ``therapy_class.1``
    for a repeated header) that the mapping does not consume are kept as
    ``source:<name>`` and never become default features.
    """

    id: str
    label: str | None = None
    label_map: dict | None = None
    therapy_class: str | None = None
    therapy_rule: TherapyRule | None = None
    site: str | None = None
    features: tuple | None = None
    categorical: tuple = ()
    drop: tuple = ()
    exclude: tuple = ()
    response_derived: tuple = ()
    rename: tuple = ()
    measurements: tuple = ()
    tumor_assessments: TumorSource | None = None
    response_derived_biomarkers: tuple = ()
    start_date: str | None = None
    date_format: str | None = None

    @classmethod
    def from_dict(cls, data, *, where="mapping", resolve=None):
        """Build a mapping from a plain dictionary (the ``[data]`` table of an experiment).

        Parameters
        ----------
        data : dict
            Keys ``id``, ``label``, ``label_map``, ``therapy_class``,
            ``therapy_rule``, ``site``, ``columns``, ``measurements``,
            ``tumor_assessments``, ``response_derived_biomarkers``.
        where : str, default="mapping"
            Location used in error messages (file and section).
        resolve : callable or None, default=None
            Turns a ``file`` string into a path (experiment files resolve them
            relative to their folder); ``None`` keeps the string.

        Returns
        -------
        ColumnMapping

        Raises
        ------
        ExperimentConfigError
            On unknown keys, wrong types or inconsistent combinations.
        """
        from irpredict.data._parse import parse_mapping

        return parse_mapping(cls, data, where=where, resolve=resolve)


def load_wide_table(path, mapping, *, name=None, feature_sets=None, sensitivity_sets=(),
                    sheet=None):
    """Read a wide patients table (and its longitudinal sources) into a validated Cohort.

    Parameters
    ----------
    path : str or path-like
        CSV, Parquet or Excel file with one row per patient.
    mapping : ColumnMapping
        How the columns map onto the data model. Relative ``file`` paths of its
        longitudinal sources are read relative to the folder of ``path``.
    name : str or None, default=None
        Cohort name; ``None`` uses the file name without suffix.
    feature_sets : dict of str to list of str or None, default=None
        Named feature sets; entries ``measurements:<biomarker>`` (or
        ``measurements:*``) stand for kinetic features of that biomarker.
    sensitivity_sets : iterable of str, default=()
        Names of feature sets allowed to use ``mapping.response_derived`` columns.
    sheet : str or None, default=None
        The sheet of an Excel workbook to read (``None``: its one sheet with data).

    Returns
    -------
    Cohort

    Raises
    ------
    CohortDataError
        When a file is missing or malformed, or a mapped column is absent.
    LeakageError
        When a label, excluded or response-derived column is asked to be a feature.

    Examples
    --------
    >>> mapping = ColumnMapping(id="Trial.ID", label="resp.pCR",
    ...                         therapy_class="chemotherapy")  # doctest: +SKIP
    >>> cohort = load_wide_table("training_df.csv", mapping)  # doctest: +SKIP
    """
    from irpredict.data._readers import read_table

    path = Path(path)
    table = read_table(path, table="patients", sheet=sheet, dtype={mapping.id: str})
    return map_tables(
        table, mapping, name=name or path.stem, source=path,
        feature_sets=feature_sets, sensitivity_sets=sensitivity_sets,
    )


def map_tables(table, mapping, *, name="cohort", source=None, feature_sets=None,
               sensitivity_sets=()):
    """Apply ``mapping`` to an already-read patients ``table`` and validate the result.

    Parameters
    ----------
    table : pandas.DataFrame
        The wide patients table as read.
    mapping : ColumnMapping
        See :func:`load_wide_table`.
    name : str, default="cohort"
        Cohort name.
    source : path-like or None, default=None
        Where ``table`` came from (messages, relative longitudinal paths).
    feature_sets, sensitivity_sets
        See :func:`load_wide_table`.

    Returns
    -------
    Cohort
    """
    from irpredict.data._longitudinal import read_measurements, read_tumor_assessments
    from irpredict.data._patients import map_patients, resolve_columns
    from irpredict.data.validation import validate_tables

    source = Path(source) if source is not None else None
    label = str(source) if source is not None else "the patients table"
    if len(table) == 0:  # said before other files' patients look unknown
        raise CohortDataError(f"{label}: the patients table has no rows (a header only?); "
                              "add one row per patient")
    patients = map_patients(table, mapping, source=label)
    base = source.parent if source is not None else Path.cwd()
    measurements = read_measurements(mapping, table, patients, base_dir=base, source=label)
    tumors = read_tumor_assessments(mapping, table, patients, base_dir=base, source=label)
    derived = list(mapping.response_derived_biomarkers)
    derived += [m.biomarker for m in mapping.measurements if m.response_derived and m.biomarker]
    if mapping.tumor_assessments is not None and mapping.tumor_assessments.response_derived:
        derived.append(TUMOR_SIZE)
    derived = list(dict.fromkeys(derived))
    meta = resolve_columns(
        patients, mapping, source=label, measurements=measurements,
        response_derived_biomarkers=derived, feature_sets=feature_sets,
        sensitivity_sets=sensitivity_sets,
    )
    sources = {"patients": label}
    sources.update(_longitudinal_sources(mapping, label, base))
    try:
        return validate_tables(
            patients, measurements, tumors, sources=sources, name=name, label_col="response",
            response_derived_biomarkers=derived, **meta,
        )
    except CohortDataError as exc:
        raise CohortDataError(_in_source_names(str(exc), mapping, sources),
                              failure_cases=exc.failure_cases) from None


def _source_columns(mapping):
    """{table: {canonical column: the source column it was read from}} where there is one."""
    out = {}
    long = [m for m in mapping.measurements if m.layout == "long"]
    if long and len(long) == len(mapping.measurements):
        for canonical, key in (("value", "value"), ("day", "time"),
                               ("biomarker", "biomarker_column"), ("unit", "unit_column")):
            names = {getattr(m, key) for m in long}
            if len(names) == 1 and None not in names:
                out.setdefault("measurements", {})[canonical] = names.pop()
    tumour = mapping.tumor_assessments
    if tumour is not None:
        out["tumor_assessments"] = {"day": tumour.time}
        for canonical, key in (("target_sld_mm", "sld"), ("nontarget", "nontarget"),
                               ("new_lesion", "new_lesion")):
            if getattr(tumour, key):
                out["tumor_assessments"][canonical] = getattr(tumour, key)
    return out


def _in_source_names(message, mapping, sources):
    """``message`` with the columns of mapped tables named as in their files."""
    for table, columns in _source_columns(mapping).items():
        where = sources.get(table)
        for canonical, original in columns.items():
            if where and original != canonical:
                message = message.replace(f"{where}: column '{canonical}'",
                                          f"{where}: column '{original}' (read as {canonical})")
    return message


def _longitudinal_sources(mapping, label, base):
    out = {}
    files = [str(base / m.file) if m.file else label for m in mapping.measurements]
    if files:
        out["measurements"] = ", ".join(dict.fromkeys(files))
    if mapping.tumor_assessments is not None:
        f = mapping.tumor_assessments.file
        out["tumor_assessments"] = str(base / f) if f else label
    return out
