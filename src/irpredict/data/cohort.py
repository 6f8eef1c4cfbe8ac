"""The in-memory cohort: up to three tables keyed by ``patient_id``."""

from dataclasses import dataclass, field

__all__ = ["THERAPY_CLASSES", "IMMUNOTHERAPY_CLASSES", "Cohort", "require_cohort"]

#: Therapy classes irpredict models; ``chemotherapy`` is the comparator arm.
IMMUNOTHERAPY_CLASSES = (
    "checkpoint_inhibitor",
    "monoclonal_antibody",
    "cytokine",
    "adoptive_cell",
)
THERAPY_CLASSES = IMMUNOTHERAPY_CLASSES + ("chemotherapy",)
#: Largest cohort `irpredict simulate` and an experiment's ``[data] simulate`` make.
MAX_SIMULATED_PATIENTS = 1_000_000


@dataclass
class Cohort:
    """A cohort: its patients table and, optionally, measurements and tumour assessments.

    Build it with :func:`irpredict.data.load_cohort` (files or an experiment file) or
    :func:`irpredict.data.validate_tables` (DataFrames), which check every table and fill
    in ``feature_columns`` and ``categorical_columns``. Built directly, nothing is checked
    and ``feature_columns`` is empty, so :func:`irpredict.features.build_features` uses no
    patients-table column unless asked by name (``patient_columns``).

    Parameters
    ----------
    patients : pandas.DataFrame
        One row per patient: ``patient_id`` (str), ``therapy_class`` (one of
        :data:`THERAPY_CLASSES`), optionally ``response`` (0/1, nullable),
        ``site`` and any baseline biomarker or clinical column.
    measurements : pandas.DataFrame or None
        Long table, one row per biomarker draw: ``patient_id``, ``biomarker``,
        ``day`` (days since first dose; negative is pre-treatment), ``value``
        and optionally ``unit`` (already converted to one unit per biomarker).
    tumor_assessments : pandas.DataFrame or None
        Long table, one row per imaging visit: ``patient_id``, ``day``,
        ``target_sld_mm`` and optionally ``nontarget`` and ``new_lesion``.
    name : str
        Study name, used in messages and as the MLflow experiment name.
    label_col : str
        Column of ``patients`` holding the 0/1 response label.
    label_definition : str
        How the label was derived, when it was (``[data.response_label]``: e.g.
        ``"clinical_benefit by irecist, from the tumour assessments"``); empty for a label
        read from a column.
    feature_columns : list of str
        Baseline columns of ``patients`` that may be used as model inputs.
    categorical_columns : list of str
        The subset of ``feature_columns`` that is categorical.
    excluded_columns : list of str
        Columns of ``patients`` that must never be features (other outcome
        columns, published model scores, anything response-derived).
    response_derived_biomarkers : list of str
        Biomarkers of ``measurements`` derived from the response assessment;
        feature builders refuse them.
    units : dict of str to str
        Unit of each biomarker after conversion.
    sources : dict of str to str
        Where each table was read from (table name to file path).
    feature_sets : dict of str to list of str
        Named feature sets (from the experiment file), possibly empty.
    """

    patients: object
    measurements: object = None
    tumor_assessments: object = None
    name: str = "cohort"
    label_col: str = "response"
    label_definition: str = ""
    feature_columns: list = field(default_factory=list)
    categorical_columns: list = field(default_factory=list)
    excluded_columns: list = field(default_factory=list)
    response_derived_biomarkers: list = field(default_factory=list)
    units: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    feature_sets: dict = field(default_factory=dict)

    @property
    def n_patients(self):
        """Number of patients."""
        return len(self.patients)

    @property
    def has_label(self):
        """Whether the cohort carries a response label."""
        return self.label_col in self.patients.columns

    @property
    def biomarkers(self):
        """Sorted names of the biomarkers in ``measurements``."""
        if self.measurements is None or len(self.measurements) == 0:
            return []
        return sorted(self.measurements["biomarker"].unique().tolist())


def require_cohort(obj, what):
    """Raise a TypeError naming ``what`` when ``obj`` is no :class:`Cohort` (a table or a
    path passed where a cohort belongs).

    Parameters
    ----------
    obj : object
    what : str
        The function or argument, e.g. ``"fit_landmark_models(cohort)"``.
    """
    if not isinstance(obj, Cohort):
        raise TypeError(
            f"{what} takes an irpredict.data.Cohort; got {type(obj).__name__}. Load one with "
            "irpredict.data.load_cohort(path) (a cohort folder or an experiment file's "
            "load_experiment(path).load_cohort())")
