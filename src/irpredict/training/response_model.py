"""A fitted model together with its input contract."""

import re
import warnings
from dataclasses import dataclass, field

from irpredict.exceptions import CohortDataError, MissingFeatureWarning
from irpredict.training.levels import align_levels

__all__ = ["ResponseModel", "in_training_units"]


#: ``X.attrs`` key: the feature columns the cohort gave no value for, already warned about.
ABSENT_SAID = "irpredict.absent_said"


@dataclass
class ResponseModel:
    """A fitted per-therapy-class classifier and what its input must look like.

    The classifier takes the per-patient frame: the feature columns (before
    imputation and encoding) plus ``therapy_class``. For cohorts with
    measurements the frame is built with the same landmark, biomarkers and
    patients-table columns as in training (:meth:`frame_from_cohort`).

    Attributes
    ----------
    classifier : irpredict.models.PerTherapyClassifier
        The fitted classifier.
    feature_columns : list of str
        Input feature columns, in training order.
    categorical_columns : list of str
        The subset holding categories (strings).
    patient_columns : list of str
        Patients-table columns the features were built from.
    biomarkers : list of str or None
        Measured biomarkers used (``None`` = every allowed biomarker).
    include_tumor : bool or None
        As in :class:`irpredict.training.Design`.
    landmark_days : float
    baseline_window : tuple of float
    study, feature_set, family : str
        Provenance of the model.
    label_col : str
    therapies : list of str
        Therapy classes the model can score.
    numeric_ranges : dict of str to (float, float)
        Training range of each numeric feature (used to flag inputs far
        outside what the model has seen).
    mapping : irpredict.data.ColumnMapping or None
        The training experiment's column mapping, so that an external table
        with the same columns can be read the same way.
    training_rows : frozenset of str or None
        A short hash of each training patient's id and feature values
        (:mod:`irpredict.training.overlap`), so that the training patients are
        recognised if they are scored again; ``None`` for older models.
    units : dict of str to str
        The training unit of each measured biomarker: a cohort scored later
        has its measurements converted to it, or refused when its unit does
        not convert; empty for older models.
    never_missing : frozenset of str or None
        Numeric features every training patient had a value of (a missing
        value there is imputed from patients who all had one; serving says
        so); ``None`` for older models.
    label_definition : str
        How the training label was derived (``Cohort.label_definition``); empty for a label
        read from a column. ``evaluate`` warns when an external cohort's differs.
    threshold : float
        The experiment's ``[model] threshold``, at which its cross-validated sensitivity,
        specificity and net benefit were read (``evaluate`` reads external ones there too).
    """

    classifier: object
    feature_columns: list
    categorical_columns: list
    patient_columns: list
    biomarkers: object
    include_tumor: bool
    landmark_days: float
    baseline_window: tuple = (-30, 0)
    study: str = ""
    feature_set: str = ""
    family: str = ""
    label_col: str = "response"
    therapies: list = field(default_factory=list)
    numeric_ranges: dict = field(default_factory=dict)
    mapping: object = None
    training_rows: frozenset | None = None
    units: dict = field(default_factory=dict)
    never_missing: frozenset | None = None
    threshold: float = 0.5
    label_definition: str = ""

    @property
    def input_columns(self):
        """Columns :meth:`predict_proba` needs: the features and ``therapy_class``."""
        return [*self.feature_columns, "therapy_class"]

    def frame_from_cohort(self, cohort):
        """Build the per-patient input frame of a cohort as in training.

        Parameters
        ----------
        cohort : irpredict.data.Cohort

        Returns
        -------
        X : pandas.DataFrame
            Index ``patient_id``; the feature columns and ``therapy_class``.
        y : pandas.Series or None
            The label when the cohort has one.
        """
        from irpredict.data.cohort import require_cohort

        require_cohort(cohort, "ResponseModel.frame_from_cohort(cohort)")
        from irpredict.features.build import _build
        from irpredict.features.longitudinal import DEFAULT_LOG_FLOOR

        units = getattr(self, "units", None) or {}
        if self.biomarkers is not None:  # a biomarker the model does not read may be in any unit
            units = {b: u for b, u in units.items() if b in self.biomarkers}
        trained = {c.split("__")[0] for c in self.feature_columns if "__" in c}
        cohort = in_training_spelling(cohort, trained, f"{self.study}/{self.feature_set}")
        cohort = in_training_units(cohort, units, f"{self.study}/{self.feature_set}")
        missing = [c for c in self.patient_columns if c not in cohort.patients.columns]
        if missing:
            # a column the model reads under its own name is no other one's new spelling
            # ... nor is an outcome or a column the cohort keeps out of its features
            from irpredict.data.outcome_names import looks_like_outcome

            kept_out = {*(cohort.excluded_columns or ()), cohort.label_col}
            spare = [str(c) for c in cohort.patients.columns if c not in self.patient_columns
                     and c not in kept_out and not looks_like_outcome(c)]
            close = {c: _likely_spelling(c, spare) for c in missing[:10]}
            hints = "; ".join(f"{c!r} may be {m!r}" for c, m in close.items() if m)
            shown = missing[:10] + (["..."] if len(missing) > 10 else [])
            raise CohortDataError(
                f"cohort {cohort.name!r}: its patients table lacks the columns {shown}"
                f"{f' ({len(missing)} in all)' if len(missing) > 10 else ''} "
                f"that model {self.study}/{self.feature_set} was trained on"
                f"{f' ({hints})' if hints else ''}. Add them to the patients table under the "
                "training names, or map another name to one in an experiment file's "
                "[data.columns] rename (leave cells empty where a value is unknown: the model "
                "imputes them).")
        features = _build(
            cohort, self.landmark_days, self.baseline_window, self.biomarkers,
            self.include_tumor, patient_columns=self.patient_columns, detection_limits=None,
            log_floor=DEFAULT_LOG_FLOOR)
        absent = [c for c in self.feature_columns if c not in features.X.columns]
        # a biomarker the model names but the cohort never measured: built, but empty
        measured = (set() if cohort.measurements is None
                    else set(cohort.measurements["biomarker"].astype(str)))
        unmeasured = tuple(f"{b}__" for b in (self.biomarkers or ()) if b not in measured)
        absent += [c for c in self.feature_columns
                   if c not in absent and unmeasured and c.startswith(unmeasured)]
        # models saved before day-0 landmarks stopped building on-treatment columns (all
        # empty, draw counts 0) read them as they were
        day0 = [c for c in absent if _DAY0_ON_TREATMENT.fullmatch(c)]
        absent = [c for c in absent if c not in day0]
        if absent:
            classes = set(cohort.patients["therapy_class"].astype(str))
            others = sorted(set(self.therapies or ()) - classes)
            maybe = (f" (expected for a biomarker measured only in therapy classes this cohort "
                     f"does not hold: {', '.join(others)})" if others else "")
            warnings.warn(
                f"cohort {cohort.name!r} gives no value for {len(absent)} of the "
                f"{len(self.feature_columns)} features model {self.study}/{self.feature_set} "
                f"was trained on ({', '.join(absent[:8])}{' ...' if len(absent) > 8 else ''}); "
                "they are imputed as missing for every patient. Check that the cohort records "
                f"the same biomarkers and columns under the same names as the training "
                f"data{maybe}.",
                MissingFeatureWarning, stacklevel=2)
        X = features.X.reindex(columns=self.feature_columns)
        # a biomarker the cohort never measured was drawn 0 times, as training counted it
        draw_counts = [c for c in absent if "__n_draws" in c]
        draw_counts += [c for c in day0 if c.endswith(("__n_draws_d0", "__n_scans_d0"))]
        X[draw_counts] = 0.0
        X["therapy_class"] = features.therapy_class
        from irpredict.serving.validation import LEVELS_ALIGNED

        X = align_levels(self, X)
        X.attrs[LEVELS_ALIGNED] = True  # predict_proba need not align (and warn) again
        X.attrs[ABSENT_SAID] = tuple(absent)  # named above: not again as empty columns
        return X, features.y

    def check_frame(self, X):
        """Check an input frame has the columns the model needs.

        Raises
        ------
        CohortDataError
            Naming the missing columns.
        """
        import pandas as pd

        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"expected a pandas DataFrame with the model's columns "
                            f"(input_columns: {len(self.input_columns)} in all), got "
                            f"{type(X).__name__}")
        missing = [c for c in self.input_columns if c not in X.columns]
        if missing:
            raise CohortDataError(
                f"the input lacks {len(missing)} column(s) the model needs: {missing[:10]}"
                f"{' ...' if len(missing) > 10 else ''}; send the columns used in training "
                f"({len(self.input_columns)} in all): `irpredict features <cohort> --model "
                "<model URI> --out inputs.csv` writes them from a cohort's raw tables.")
        return X[self.input_columns]

    def predict_proba(self, X):
        """Probability of response per row (``(n, 2)`` array, column 1 = response).

        Raises
        ------
        TypeError
            ``X`` is not a DataFrame.
        CohortDataError
            Missing columns, text in a numeric column, infinite or
            implausibly large values, or values no patient can have (an age
            of 250, ECOG 7, a percentage of 140, a lab outside its unit's
            range), named by column and row.
        UnknownTherapyError
            A missing therapy class, or one the model was not trained on.

        Warns
        -----
        DataWarning
            Naming category levels never seen in training (they score as no known level).

        Notes
        -----
        Values are read as the served model reads them
        (:func:`irpredict.serving.validation.as_written_in_training`): ``yes``/``no`` for
        a 0/1 feature, ``Monoclonal antibody`` for ``monoclonal_antibody``, ``POSITIVE``
        for a training level ``positive``. Unlike the served model, it does not warn about
        values far outside the training range: score a cohort through ``irpredict
        evaluate``, ``explain`` or ``serve``, which do.
        """
        from irpredict.serving.validation import as_written_in_training, impossible_values

        X = self._numeric_checked(as_written_in_training(self, self.check_frame(X)))
        problems = impossible_values(self, X)
        if problems:
            raise CohortDataError("invalid input: " + "; ".join(problems))
        return self.classifier.predict_proba(X)

    def _numeric_checked(self, X):
        import numpy as np
        import pandas as pd

        from irpredict.data.schema import PLAUSIBLE_MAGNITUDE
        from irpredict.serving.validation import rows_word as _rows

        out = X.copy()
        categorical = set(self.categorical_columns)
        for col in self.feature_columns:
            if col in categorical:
                continue
            raw = X[col]
            values = pd.to_numeric(raw, errors="coerce")
            text = values.isna() & raw.notna()
            huge = np.abs(values.astype(float)) >= PLAUSIBLE_MAGNITUDE
            for mask, what in ((text, "text, not numbers"),
                               (huge, "infinite or implausibly large values")):
                if mask.any():
                    raise CohortDataError(
                        f"column {col!r} holds {what} in {_rows(X.index)} "
                        f"{X.index[mask][:5].tolist()}: "
                        f"{raw[mask].astype(str).unique()[:3].tolist()}; give numbers in the "
                        "training units, or leave the value empty (it is imputed)")
            out[col] = values.astype(float)
        return out


#: On-treatment feature columns at a day-0 landmark (``ctdna__slope_d0``, ``tumor__n_scans_d0``).
_DAY0_ON_TREATMENT = re.compile(r".+__[a-z0-9_]+_d0")


def in_training_spelling(cohort, trained, model_name):
    """``cohort`` with biomarkers written in another case (``LDH``) named as in training.

    Parameters
    ----------
    cohort : irpredict.data.Cohort
    trained : set of str
        Biomarker names the model's features are built from.
    model_name : str
        Named in messages.

    Returns
    -------
    irpredict.data.Cohort
        The same cohort when every name matches or no other spelling is unambiguous;
        otherwise a copy with those biomarkers renamed (and a :class:`DataWarning`).
    """
    from collections import Counter
    from dataclasses import replace

    from irpredict.exceptions import DataWarning

    if cohort.measurements is None or not trained:
        return cohort
    present = set(cohort.measurements["biomarker"].dropna().astype(str))
    folded = {b.casefold(): b for b in trained}
    renames = {b: folded[b.casefold()] for b in present - set(trained)
               if b.casefold() in folded and folded[b.casefold()] not in present}
    taken = Counter(renames.values())  # 'LDH' and 'Ldh' both present: neither is guessed
    renames = {b: t for b, t in renames.items() if taken[t] == 1}
    if not renames:
        return cohort
    biomarker = cohort.measurements["biomarker"]
    measurements = cohort.measurements.assign(biomarker=biomarker.replace(renames))
    warnings.warn(
        f"cohort {cohort.name!r}: biomarkers read under the names model {model_name} was "
        f"trained on: " + ", ".join(f"{b!r} as {t!r}" for b, t in sorted(renames.items())),
        DataWarning, stacklevel=3)
    units = {renames.get(b, b): u for b, u in (cohort.units or {}).items()}
    return replace(cohort, measurements=measurements, units=units)


def in_training_units(cohort, units, model_name):
    """``cohort`` with each biomarker's measurements in the unit the model was trained on.

    Parameters
    ----------
    cohort : irpredict.data.Cohort
    units : dict of str to str
        Training unit per biomarker.
    model_name : str
        Named in messages.

    Returns
    -------
    irpredict.data.Cohort
        The same cohort when every unit already matches; otherwise a copy
        with converted values (and a :class:`DataWarning` saying so).

    Raises
    ------
    CohortDataError
        A biomarker whose unit does not convert into the training unit.
    """
    from dataclasses import replace

    from irpredict.data.units import conversion_factor, has_other_scales, normalize_unit
    from irpredict.exceptions import DataWarning

    if cohort.measurements is None or not units:
        return cohort
    measured = set(cohort.measurements["biomarker"].astype(str))
    unitless = sorted(b for b in units if b in measured and b not in (cohort.units or {})
                      and has_other_scales(units[b]))
    if unitless:
        warnings.warn(
            f"cohort {cohort.name!r} gives no unit for {', '.join(unitless)}: read as the units "
            f"model {model_name} was trained in "
            f"({', '.join(f'{b} {units[b]}' for b in unitless)}). If they are in another, add "
            "a 'unit' column to the measurements (irpredict converts)", DataWarning,
            stacklevel=3)
    if not cohort.units:
        return cohort
    factors, stuck = {}, []
    for biomarker, unit in cohort.units.items():
        trained = units.get(biomarker)
        unit, trained = normalize_unit(unit), normalize_unit(trained)
        if trained is None or unit is None or trained == unit:
            continue
        factor = conversion_factor(biomarker, unit, trained)
        if factor is None:
            stuck.append(f"'{biomarker}' is in {unit}, the model's training data in {trained}")
        else:
            factors[biomarker] = (factor, unit, trained)
    if stuck:
        raise CohortDataError(
            f"cohort {cohort.name!r}: units that do not convert into the ones model {model_name} "
            f"was trained on: {'; '.join(stuck)}. Convert those values to the training unit "
            "(and write it in the unit column), or check the unit column")
    if not factors:
        return cohort
    measurements = cohort.measurements.copy()
    for biomarker, (factor, _, trained) in factors.items():
        rows = measurements["biomarker"] == biomarker
        measurements.loc[rows, "value"] = measurements.loc[rows, "value"].astype(float) * factor
        measurements.loc[rows, "unit"] = trained
    warnings.warn(
        f"cohort {cohort.name!r}: converted to the units model {model_name} was trained on: "
        + "; ".join(f"{b} from {u} to {t}" for b, (_, u, t) in factors.items()),
        DataWarning, stacklevel=3)
    return replace(cohort, measurements=measurements,
                   units={**cohort.units, **{b: t for b, (_, _, t) in factors.items()}})


def _likely_spelling(column, candidates):
    """The candidate most likely to be ``column`` under another name: one holding the other as
    a word (``Age`` for ``Age.at.diagnosis``, ``Age_years`` for ``age``), else a close
    spelling; None when none is."""
    import re
    from difflib import get_close_matches

    def words(name):
        return {w for w in re.split(r"[^a-z0-9]+", name.lower()) if len(w) >= 3}

    shared = next((c for c in candidates
                   if c.lower() in words(column) or column.lower() in words(c)), None)
    close = get_close_matches(column, candidates, n=1, cutoff=0.6)
    return shared or (close[0] if close else None)
