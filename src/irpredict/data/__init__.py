"""Cohort data: schemas, loaders, the column mapping for wide tables, the simulator."""

from irpredict.data.cohort import IMMUNOTHERAPY_CLASSES, THERAPY_CLASSES, Cohort
from irpredict.data.mapping import (
    ColumnMapping,
    MeasurementSource,
    TherapyRule,
    TumorSource,
    load_wide_table,
)

__all__ = ["Cohort", "THERAPY_CLASSES", "IMMUNOTHERAPY_CLASSES", "ColumnMapping", "TherapyRule",
           "MeasurementSource", "TumorSource", "load_wide_table"]
