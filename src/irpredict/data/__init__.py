"""Cohort data: schemas, loaders, the column mapping for wide tables, the simulator."""

from irpredict.data.cohort import IMMUNOTHERAPY_CLASSES, THERAPY_CLASSES, Cohort
from irpredict.data.loaders import load_cohort
from irpredict.data.mapping import (
    ColumnMapping,
    MeasurementSource,
    TherapyRule,
    TumorSource,
    load_wide_table,
)
from irpredict.data.summary import CohortSummary, summarize_cohort
from irpredict.data.validation import validate_tables

__all__ = ["Cohort", "THERAPY_CLASSES", "IMMUNOTHERAPY_CLASSES", "ColumnMapping", "TherapyRule",
           "MeasurementSource", "TumorSource", "load_wide_table",
           "load_cohort", "validate_tables", "summarize_cohort", "CohortSummary"]
