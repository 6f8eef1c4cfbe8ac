"""External validation: score a registered model on another cohort with the same columns."""

import warnings
from dataclasses import replace
from pathlib import Path

from irpredict.exceptions import CohortDataError, DataWarning
from irpredict.training._external_warnings import (
    shifted_columns,
    warn_few,
    warn_outside_training,
    warn_unlike_training,
)
from irpredict.training._feature_table import feature_table
from irpredict.training.response_model import ABSENT_SAID

__all__ = ["load_external_cohort", "external_frame", "model_frame", "score_external",
           "score_frame", "shifted_columns", "warn_outside_training"]


def load_external_cohort(model, data):
    """Read an external cohort the way the model's training cohort was read.

    Parameters
    ----------
    model : irpredict.training.ResponseModel
    data : path-like
        An experiment ``.toml``, a cohort folder, or one table with the same
        columns as the training table (read through the training mapping;
        longitudinal sources that came from other files are not expected).

    Returns
    -------
    irpredict.data.Cohort
    """
    from irpredict.data.loaders import load_cohort
    from irpredict.exceptions import DefaultFeatureWarning

    path = Path(data)
    if path.suffix.lower() == ".toml" or path.is_dir() or model.mapping is None:
        with warnings.catch_warnings():
            # the model picks its own features: the cohort's default ones do not matter here
            warnings.simplefilter("ignore", DefaultFeatureWarning)
            cohort = load_cohort(path)
        _refuse_classes_against_the_rule(model, cohort, path)
        return cohort
    from irpredict.data._readers import read_table
    from irpredict.data.mapping import map_tables

    mapping = model.mapping
    own_rows = tuple(m for m in mapping.measurements if m.file is None)
    tumour = mapping.tumor_assessments
    if tumour is not None and tumour.file is not None:
        tumour = None
    table = read_table(path, table="patients", dtype={mapping.id: str})
    table.columns = [str(c) for c in table.columns]
    _require_mapped_columns(model, path, table.columns)
    relaxed = _only_present(mapping, table.columns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DefaultFeatureWarning)
        cohort = map_tables(table, replace(relaxed, measurements=own_rows,
                                           tumor_assessments=tumour),
                            name=str(path), source=path)
    _refuse_contradicting_class(cohort, path)
    if all(c in cohort.patients.columns for c in model.patient_columns):
        # (missing columns are the first thing to fix: frame_from_cohort names them)
        _refuse_missing_sources(model, path, mapping, own_rows, tumour)
    return cohort


def _refuse_classes_against_the_rule(model, cohort, path):
    """An experiment file or folder gives its own therapy classes; where the model derived
    them from a column by a rule (a trial arm) and the cohort has that column, they must
    agree with the rule (the served model refuses the same rows): a patient scored under
    another class's model would count in the wrong class's metrics."""
    from irpredict.data._therapy_rule import therapy_by_rule

    rule = getattr(getattr(model, "mapping", None), "therapy_rule", None)
    if rule is None or rule.column not in cohort.patients.columns:
        return
    derived = therapy_by_rule(cohort.patients[rule.column], rule).astype("string")
    given = cohort.patients["therapy_class"].astype("string")
    # a class the model never trained on is named by the class check, with its own fix
    known = given.isin(list(getattr(model, "therapies", ()) or ()))
    clash = (derived.notna() & (derived != given) & known).fillna(False).to_numpy()
    if clash.any():
        ids = cohort.patients.loc[clash, "patient_id"].astype(str).tolist()
        raise CohortDataError(
            f"{path}: the therapy classes disagree with the model's therapy rule on column "
            f"{rule.column!r} in {len(ids)} patients ({', '.join(ids[:5])}"
            f"{' ...' if len(ids) > 5 else ''}: the file gives "
            f"{sorted(set(given[clash].dropna()))[:3]}, the rule "
            f"{sorted(set(derived[clash]))[:3]}); map the classes as the training data did "
            "(its [data.therapy_rule]), or score the table itself")


def _refuse_contradicting_class(cohort, path):
    """A ``therapy_class`` column beside the training mapping's own therapy class must agree
    with it (the served model refuses the same rows): scored under the mapping's class, a
    patient the file calls otherwise would count in the wrong class's metrics."""
    from irpredict.data import THERAPY_CLASSES
    from irpredict.data._patients import SOURCE_PREFIX

    column = f"{SOURCE_PREFIX}therapy_class"
    if column not in cohort.patients.columns:
        return
    written = cohort.patients[column].astype("string").str.strip()
    given = cohort.patients["therapy_class"].astype("string")
    clash = (written.isin(THERAPY_CLASSES) & (written != given)).fillna(False).to_numpy()
    if clash.any():
        ids = cohort.patients.loc[clash, "patient_id"].astype(str).tolist()
        raise CohortDataError(
            f"{path}: column 'therapy_class' disagrees with the class the model's training "
            f"mapping gives in {len(ids)} patients ({', '.join(ids[:5])}"
            f"{' ...' if len(ids) > 5 else ''}: written {sorted(set(written[clash]))[:3]}, the "
            f"mapping gives {sorted(set(given[clash]))[:3]}); drop the column or make it agree")


def _only_present(mapping, columns):
    """The training mapping without the dropped, excluded and listed columns this table lacks.

    An external table need not carry the training table's row index, outcomes or published
    scores: only what the model reads.
    """
    from fnmatch import fnmatchcase

    def present(names):
        return tuple(n for n in names if any(fnmatchcase(c, n) for c in columns))

    return replace(
        mapping, drop=present(mapping.drop), exclude=present(mapping.exclude),
        categorical=present(mapping.categorical),
        response_derived=present(mapping.response_derived),
        rename=tuple((old, new) for old, new in getattr(mapping, "rename", ()) if old in columns),
        features=None if mapping.features is None else present(mapping.features),
        site=mapping.site if mapping.site in columns else None,
        start_date=(getattr(mapping, "start_date", None)
                    if getattr(mapping, "start_date", None) in columns else None),
        # without its label column the table is an unlabelled cohort (fine to explain or
        # screen; evaluate says the label is needed)
        label=mapping.label if mapping.label in columns else None,
        label_map=mapping.label_map if mapping.label in columns else None)


def _require_mapped_columns(model, path, columns):
    """The id, label and therapy columns the training mapping reads, named for this table."""
    from irpredict.data._spec import close_matches

    mapping = model.mapping
    needed = {"patient id": mapping.id}
    if mapping.therapy_rule is not None:
        needed["therapy-class rule"] = mapping.therapy_rule.column
    for role, name in needed.items():
        if name is not None and name not in columns:
            matches = close_matches(name, list(columns))
            hint = f" (close: {', '.join(map(repr, matches))})" if matches else ""
            raise CohortDataError(
                f"{path}: column {name!r} is missing{hint}; model {model.study}/"
                f"{model.feature_set} reads the {role} from it, as in its training table. "
                "Rename that column in the external table, or pass an experiment .toml that "
                "maps this table's columns")


def _refuse_missing_sources(model, path, mapping, own_rows, tumour):
    """One table cannot carry measurements the training data read from other files.

    Features built without them would be computed from part of the series (a
    day-0 value without its day-42 change) and silently differ from training.
    """
    from irpredict.data.mapping import TUMOR_SIZE

    elsewhere = [m for m in mapping.measurements if m.file is not None]
    lost = {m.biomarker for m in elsewhere if m.biomarker}  # (some of) their draws
    if mapping.tumor_assessments is not None and tumour is None:
        lost.add(TUMOR_SIZE)
    used = {c.split("__", 1)[0] for c in model.feature_columns if "__" in c}
    if any(m.biomarker is None for m in elsewhere):  # biomarkers named inside those files
        lost |= used
    affected = sorted(used & lost)
    if affected:
        files = {str(m.file) for m in elsewhere}
        if TUMOR_SIZE in affected:
            files.add(str(mapping.tumor_assessments.file))
        files = sorted(files)
        raise CohortDataError(
            f"{path}: the model's features use {', '.join(affected)} measurements that its "
            f"training data read from other files ({', '.join(files)}), which one table cannot "
            "give; pass the external cohort as an experiment .toml file (with its own "
            "measurement files) or as a cohort folder")


def external_frame(model, data):
    """The model's input frame and labels for an external cohort.

    Parameters
    ----------
    model : irpredict.training.ResponseModel
    data : path-like
        What :func:`load_external_cohort` reads, or a table that already holds
        every feature column of the model plus ``therapy_class`` and the label
        (as ``irpredict features`` writes it), which is scored as it stands.

    Returns
    -------
    name : str
        The cohort's name, for messages.
    X : pandas.DataFrame
        Index ``patient_id``; the feature columns and ``therapy_class``.
    y : pandas.Series or None
        The label, when the data have one.
    n_patients : int
    """
    path = Path(data)
    built = feature_table(model, path)
    if built is not None:
        return built
    cohort = load_external_cohort(model, path)
    _require_label(cohort, model, path)
    _warn_other_endpoint(model, cohort, path)
    X, y = model.frame_from_cohort(cohort)
    return cohort.name, X, y, cohort.n_patients


def _warn_other_endpoint(model, cohort, path):
    """A label derived otherwise than training's measures the model against another
    endpoint (disease control for a model of response): say so beside the metrics."""
    trained = getattr(model, "label_definition", "") or ""
    here = cohort.label_definition or ""
    if trained == here:
        return
    warnings.warn(
        f"{path}: the model was trained to predict "
        f"{trained or f'the label column {model.label_col!r}'}, but this cohort's label is "
        f"{here or f'its column {cohort.label_col!r}'}: the metrics measure it against that "
        "endpoint. Derive the same label ([data.response_label] in an experiment file) to "
        "validate it", DataWarning, stacklevel=3)


def model_frame(model, data):
    """The model's input frame of a cohort or of a table of its built features, label optional.

    Parameters
    ----------
    model : irpredict.training.ResponseModel
    data : path-like
        As for :func:`external_frame`; the label may be absent.

    Returns
    -------
    name : str
    X : pandas.DataFrame
        Index ``patient_id``; the feature columns and ``therapy_class``.
    y : pandas.Series or None
    """
    path = Path(data)
    built = feature_table(model, path, require_label=False)
    if built is not None:
        name, X, y, _ = built
        return name, X, y
    cohort = load_external_cohort(model, path)
    X, y = model.frame_from_cohort(cohort)
    return cohort.name, X, y


def score_frame(model, X, y, *, name="external", threshold=0.5, n_bootstrap=1000,
                random_state=0):
    """Predictions and metrics (with bootstrap CIs) of a fitted model on labelled rows.

    Patients without a label are left out.

    Returns
    -------
    predictions : pandas.DataFrame
        ``patient_id, therapy_class, y, prob``.
    metrics : pandas.DataFrame
        Tidy metrics per therapy class and overall (see
        :func:`irpredict.evaluation.summarize_predictions`).
    """
    from irpredict.evaluation.summary import predict_frame, summarize_predictions

    if y is None:
        raise CohortDataError(f"{name}: the external cohort has no label; evaluation needs "
                              "the observed response of each patient.")
    labelled = y.notna()
    if not labelled.any():
        raise CohortDataError(f"{name}: every patient's label is missing.")
    said = X.attrs.get(ABSENT_SAID, ())  # columns frame_from_cohort named already
    X, y = X.loc[labelled.to_numpy()], y.loc[labelled.to_numpy()].astype(int)
    X = checked_input(model, X, name, quiet_columns=list(shifted_columns(model, X)))
    X, y = _without_training_patients(model, X, y, name)
    warn_unlike_training(model, X, name, said=said)
    absent = [t for t in model.therapies if t not in set(X["therapy_class"])]
    if absent:
        warnings.warn(
            f"{name}: no patient of therapy class {', '.join(absent)}, which the model was "
            f"trained on; if that is unexpected, check how the cohort's therapy column is "
            "written", DataWarning, stacklevel=2)
    warn_few(y, name, X["therapy_class"])
    predictions = predict_frame(model, X, y, name="external")
    metrics = summarize_predictions(predictions, threshold=threshold,
                                    n_bootstrap=n_bootstrap, random_state=random_state)
    return predictions, metrics


def checked_input(model, X, name, *, numbers_only=False, quiet_columns=()):
    """``X`` checked and coerced for ``model`` (see
    :func:`irpredict.serving.validation.check_input`), errors and warnings prefixed by
    the cohort's name.

    ``numbers_only`` checks only that numeric columns hold numbers and returns ``X``
    unchanged (values far outside the training range stay, to be explained).
    ``quiet_columns`` are not warned about value by value (the caller warns about
    the whole column).
    """
    from irpredict.serving.validation import FAR_VALUES_NOTE, check_input, check_numbers

    notes = []
    try:
        if numbers_only:
            check_numbers(model, X)
            return X
        checked = check_input(model, X, notes, quiet_columns=quiet_columns)
    except CohortDataError as exc:  # say which file; rows are patients here
        raise CohortDataError(f"{name}: {exc}".replace(": invalid input:", ":", 1)) from None
    # only far values are said here: unseen levels are warned about when the model predicts
    for note in notes:
        if note.startswith(FAR_VALUES_NOTE):
            warnings.warn(f"{name}: {note}", DataWarning, stacklevel=3)
    return checked


#: The ids ``irpredict simulate`` gives (the same in every draw).
SIMULATED_ID = r"SIM-\d+"


def _warn_shared_ids(model, X, seen, name):
    """Say which patients carry a training patient's id though their values differ."""
    import numpy as np

    from irpredict.training.overlap import shared_ids

    same_id = shared_ids(model, X)
    if same_id is None:
        return
    if seen is not None:
        same_id = same_id & ~np.asarray(seen, dtype=bool)
    if not same_id.any() or X.index[same_id].astype(str).str.fullmatch(SIMULATED_ID).all():
        # every simulated cohort numbers its patients SIM-00001, ... whatever its seed: the
        # same ids with other values are another draw (the same draw is caught by its values)
        return
    ids = ", ".join(map(str, X.index[same_id][:5])) + (" ..." if same_id.sum() > 5 else "")
    most = same_id.mean() >= 0.5
    warnings.warn(
        f"{name}: {int(same_id.sum())} of {len(X)} patients ({ids}) have the ids of the "
        "model's training patients, though their feature values differ"
        + (" (most of the cohort: likely the training cohort again, re-exported with rounded "
           "or missing values)" if most else "")
        + ". If they are the same patients, their predictions are in-sample and these metrics "
        "overstate the model; evaluate patients it has not seen. If the ids are only reused, "
        "ignore this", DataWarning, stacklevel=3)


def _without_training_patients(model, X, y, name):
    """Leave out the model's own training patients: their predictions are in-sample."""
    from irpredict.training.overlap import training_patients

    seen = training_patients(model, X)
    _warn_shared_ids(model, X, seen, name)
    if seen is None or not seen.any():
        return X, y
    ids = ", ".join(map(str, X.index[seen][:5])) + (" ..." if seen.sum() > 5 else "")
    from irpredict.training.overlap import MOSTLY_TRAINING

    if seen.mean() >= MOSTLY_TRAINING:  # the rest are most likely training patients too
        some = "all" if seen.all() else f"{int(seen.sum())} of"
        raise CohortDataError(
            f"{name}: {some} {len(X)} patients are the model's own training patients (the same "
            "feature values, under the same or other ids)"
            + ("" if seen.all() else ", so the cohort is read as its training cohort (the "
               "others most likely re-exported with changed values)")
            + ": their predictions are in-sample and would overstate its performance. Its "
            "honest figures are the out-of-fold ones of `irpredict train`; evaluate it on "
            "patients it has not seen")
    warnings.warn(
        f"{name}: {int(seen.sum())} of {len(X)} patients ({ids}) are the model's own training "
        "patients; they are left out of the metrics (their predictions are in-sample)",
        DataWarning, stacklevel=3)
    return X.loc[~seen], y.loc[~seen]


def score_external(model, cohort, *, threshold=0.5, n_bootstrap=1000, random_state=0):
    """:func:`score_frame` on the input frame of a labelled cohort (same returns)."""
    from irpredict.data.cohort import require_cohort

    require_cohort(cohort, "score_external(model, cohort)")
    _require_label(cohort)
    X, y = model.frame_from_cohort(cohort)
    return score_frame(model, X, y, name=cohort.name, threshold=threshold,
                       n_bootstrap=n_bootstrap, random_state=random_state)


def _require_label(cohort, model=None, path=None):
    if not cohort.has_label:
        from irpredict.data._spec import close_matches

        mapping = getattr(model, "mapping", None)
        column = mapping.label if mapping is not None and mapping.label else cohort.label_col
        columns = [str(c) for c in cohort.patients.columns]
        head = str(column).split("(")[0].split()[0].lower() if str(column).split() else ""
        close = list(dict.fromkeys(close_matches(column, columns) + [
            c for c in columns if head and c.lower().split("(")[0].strip() == head]))
        where = path if path is not None else cohort.name
        toml = path is not None and str(path).lower().endswith(".toml")
        raise CohortDataError(
            f"{where}: the external cohort has no label column {column!r}"
            + (f" (close: {', '.join(map(repr, close))})" if close else "")
            + "; evaluation needs the observed response of each patient. "
            + ("Name the label column in its [data] label (or derive the label with "
               "[data.response_label])" if toml else
               "Rename the cohort's label column to the training name, or pass an experiment "
               ".toml that maps this cohort's columns (its [data] label, or "
               "[data.response_label] to derive it from the tumour assessments)")
            + ". To score patients without a label, use irpredict explain --all")
