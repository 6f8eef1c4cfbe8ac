"""Cohort data: schemas, loaders, the column mapping for wide tables, the simulator."""

from irpredict.data.cohort import IMMUNOTHERAPY_CLASSES, THERAPY_CLASSES, Cohort

__all__ = ["Cohort", "THERAPY_CLASSES", "IMMUNOTHERAPY_CLASSES"]
