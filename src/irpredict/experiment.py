"""Experiment files: ``experiments/<study>.toml`` describes one study's data and feature sets.

The file names its data source (a wide table read through a
:class:`~irpredict.data.mapping.ColumnMapping`, or a simulated cohort), the
named feature sets, and reserves ``[model]``, ``[evaluation]``, ``[screening]``
and ``[monitoring]`` for the later stages. ``experiments/README.md``
documents the format with examples.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from irpredict._experiment_data import DataSpec, parse_data, replace_mapping
from irpredict._paths import SHARED_DATA_ENV
from irpredict.data._spec import check_keys, get
from irpredict.exceptions import CohortDataError, ExperimentConfigError

__all__ = ["Experiment", "DataSpec", "load_experiment", "SHARED_DATA_ENV"]

#: Suffix of the registered name of a study's landmark models (``<study>-landmarks``).
LANDMARKS_SUFFIX = "-landmarks"
SECTIONS = ("study", "data", "feature_sets", "model", "evaluation", "screening", "monitoring")
_STUDY_KEYS = ("name", "description", "reference")
_SET_KEYS = ("columns", "sensitivity", "description")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class Experiment:
    """A parsed and checked experiment file.

    Parameters
    ----------
    name : str
        Study name (``[study] name``); the cohort and MLflow experiment name.
    path : pathlib.Path
        The experiment file.
    description : str
        Free text from ``[study] description``.
    data : DataSpec
        The data source and its column mapping.
    feature_sets : dict of str to list of str
        Named feature sets; entries ``measurements:<biomarker>`` stand for
        on-treatment kinetic features of that biomarker.
    raw : dict
        The parsed TOML, including the reserved sections.
    sensitivity_sets : tuple of str
        Feature sets marked ``sensitivity = true`` (allowed to use
        response-derived columns; report them only as sensitivity analyses).
    """

    name: str
    path: Path
    description: str
    data: DataSpec
    feature_sets: dict
    raw: dict = field(repr=False)
    sensitivity_sets: tuple = ()

    def load_cohort(self):
        """Read the data source through the mapping and return a validated Cohort.

        Returns
        -------
        Cohort
            Named after the study, with ``feature_sets`` filled in.

        Raises
        ------
        CohortDataError
            When a source file is missing or its content is invalid.
        LeakageError
            When a label, excluded or response-derived column is asked to be a feature.

        Examples
        --------
        >>> cohort = load_experiment("experiments/transneo.toml").load_cohort()  # doctest: +SKIP
        """
        cohort = self._load()
        if self.data.follow_up:
            from irpredict.data.follow_up import with_follow_up_days

            cohort = with_follow_up_days(cohort, self.data.follow_up,
                                         where=f"{self.path} [data.follow_up]")
        if self.data.response_label is None:
            return cohort
        from irpredict.response.cohort_label import label_from_assessments

        return label_from_assessments(cohort, self.data.response_label,
                                      where=f"{self.path} [data.response_label]")

    def _load(self):
        from irpredict.exceptions import IRPredictError

        try:
            if self.data.simulate is not None:
                return self._load_simulated()
            if self.data.folder is not None:
                return self._load_folder()
            from irpredict.data.mapping import load_wide_table

            self._check_files()
            return load_wide_table(
                self.data.source, self.data.mapping, name=self.name, sheet=self.data.sheet,
                feature_sets=self.feature_sets, sensitivity_sets=self.sensitivity_sets)
        except IRPredictError as exc:
            if not str(exc).startswith("feature set "):
                raise
            # the feature sets are this file's: name it, as every other problem of it is
            raise type(exc)(f"{self.path}: [feature_sets] {exc}") from None

    def _check_files(self):
        if self.data.folder is not None:
            if not self.data.folder.is_dir():
                raise CohortDataError(
                    f"{self.path}: [data] folder {self.data.source_text!r} -> "
                    f"{self.data.folder} is not a folder. Paths are relative to the experiment "
                    "file's folder; fix the path")
            return
        mapping = self.data.mapping
        files = [(f"[data] source {self.data.source_text!r} ->", self.data.source)]
        files += [(f"[[data.measurements]] entry {i + 1}: file", m.file)
                  for i, m in enumerate(mapping.measurements) if m.file]
        if mapping.tumor_assessments is not None and mapping.tumor_assessments.file:
            files.append(("[data.tumor_assessments] file", mapping.tumor_assessments.file))
        for key, path in files:
            if Path(path).is_dir():
                hint = (" For a folder of irpredict's tables (patients.csv, measurements.csv, "
                        "...) write [data] folder = ... instead of source."
                        if key.startswith("[data] source") else "")
                raise CohortDataError(
                    f"{self.path}: {key} {path} is a folder, not a table file; name the file "
                    f"(CSV, Parquet or Excel) inside it.{hint}")
            if not Path(path).is_file():
                raise CohortDataError(
                    f"{self.path}: {key} {path} does not exist. Paths are relative to the "
                    f"experiment file's folder; ${{{SHARED_DATA_ENV}}} defaults to "
                    "../shared/data next to the repository. Fix the path, or set "
                    f"{SHARED_DATA_ENV} to the folder holding the shared cohorts."
                )

    def simulate(self):
        """Simulate the cohort of a ``[data] simulate`` study: its tables and its truth.

        Returns
        -------
        irpredict.data.simulator.SimulatedCohort
            The same draw :meth:`load_cohort` validates (same patients, seed and
            class mix), with ``truth`` (oracle AUC per class, true drivers, ...).

        Raises
        ------
        ExperimentConfigError
            When the study reads a data source instead, or the simulator is missing.
        """
        if self.data.simulate is None:
            raise ExperimentConfigError(f"{self.path}: [data] reads a source; nothing to simulate.")
        try:
            from irpredict.data.simulator import simulate_cohort
        except ImportError as exc:
            raise ExperimentConfigError(
                f"{self.path}: [data] simulate needs irpredict.data.simulator, which is not "
                f"available ({exc})."
            ) from exc
        return simulate_cohort(n_patients=self.data.simulate["patients"],
                               seed=self.data.simulate["seed"],
                               class_mix=self.data.simulate.get("class_mix"))

    def _load_simulated(self):
        from pandas.api.types import is_numeric_dtype

        from irpredict.data._patients import CANONICAL, resolve_columns
        from irpredict.data.mapping import TUMOR_SIZE
        from irpredict.data.validation import validate_tables

        sim = self.simulate()
        # The simulator's text columns (her2_ihc "0"/"1+"/...) are categorical by
        # construction, whichever feature sets use them and whatever the class mix.
        text = [c for c in sim.patients.columns
                if c not in CANONICAL and not is_numeric_dtype(sim.patients[c])]
        mapping = replace_mapping(self.data.mapping, categorical=list(
            dict.fromkeys([*self.data.mapping.categorical, *text])))
        measurements = getattr(sim, "measurements", None)
        truth = getattr(sim, "truth", None) or {}
        # the simulated scans follow the response the label records: the tumour series and the
        # note on how response was defined are never features, as for a simulated folder
        derived = list(dict.fromkeys([*mapping.response_derived_biomarkers,
                                      *truth.get("response_derived_biomarkers", []),
                                      TUMOR_SIZE]))
        if "response_definition" in sim.patients.columns \
                and "response_definition" not in mapping.exclude:
            mapping = replace_mapping(mapping, exclude=(*mapping.exclude, "response_definition"))
        meta = resolve_columns(
            sim.patients, mapping, source=f"simulated cohort ({self.path})",
            measurements=measurements, response_derived_biomarkers=derived,
            feature_sets=self.feature_sets, sensitivity_sets=self.sensitivity_sets,
        )
        source = f"simulated by {self.path}"
        return validate_tables(
            sim.patients, measurements, getattr(sim, "tumor_assessments", None),
            sources={t: source for t in ("patients", "measurements", "tumor_assessments")},
            name=self.name, label_col="response", response_derived_biomarkers=derived, **meta,
        )

    def _load_folder(self):
        from irpredict.data._column_roles import rename_columns
        from irpredict.data._patients import resolve_columns
        from irpredict.data.loaders import find_tables, read_table, simulated_leakage
        from irpredict.data.validation import validate_tables

        self._check_files()
        files = find_tables(self.data.folder)
        tables = {table: read_table(path, table=table) for table, path in files.items()}
        patients, measurements = tables["patients"], tables.get("measurements")
        truth = simulated_leakage(self.data.folder, patients)
        mapping = self.data.mapping
        derived = list(dict.fromkeys([*mapping.response_derived_biomarkers,
                                      *truth.get("response_derived_biomarkers", [])]))
        excluded = [c for c in truth.get("excluded_columns") or []
                    if c not in mapping.exclude]
        if excluded:
            mapping = replace_mapping(mapping, exclude=(*mapping.exclude, *excluded))
        patients = rename_columns(patients, mapping, source=str(files["patients"]))
        meta = resolve_columns(
            patients, mapping, source=str(files["patients"]), measurements=measurements,
            response_derived_biomarkers=derived, feature_sets=self.feature_sets,
            sensitivity_sets=self.sensitivity_sets,
        )
        return validate_tables(
            patients, measurements, tables.get("tumor_assessments"),
            sources={table: str(path) for table, path in files.items()},
            name=self.name, label_col="response", response_derived_biomarkers=derived, **meta,
        )


def load_experiment(path, *, folder=None):
    """Parse and check an experiment file.

    Parameters
    ----------
    path : str or path-like
        The TOML file. Paths inside it are relative to its folder; ``${VAR}``
        and ``${VAR:-default}`` expand environment variables, and
        ``${IRPREDICT_SHARED_DATA}`` defaults to ``../shared/data`` beside the
        repository holding the file.
    folder : str or path-like or None, default=None
        Resolve those paths from this folder instead of the file's own (for a
        copy of an experiment file, e.g. the one logged with a training run).

    Returns
    -------
    Experiment

    Raises
    ------
    ExperimentConfigError
        On a missing or unparsable file, unknown keys (with close matches),
        wrong types or inconsistent settings.
    UnknownTherapyError
        On a therapy class irpredict does not know.

    Examples
    --------
    >>> exp = load_experiment("experiments/inspire.toml")  # doctest: +SKIP
    >>> sorted(exp.feature_sets)  # doctest: +SKIP
    ['baseline', 'on_treatment']
    """
    import tomllib

    path = Path(path).resolve()
    if not path.is_file():
        if path.is_dir():
            raise ExperimentConfigError(
                f"experiment file {path} is a folder, not a file; give the path of an "
                "experiments/<study>.toml. To train on a cohort folder, write one with [study] "
                f'name = "..." and [data] folder = "{path}" (see experiments/README.md)')
        raise ExperimentConfigError(
            f"experiment file {path} does not exist; give the path of an experiments/<study>.toml"
        )
    if path.suffix.lower() != ".toml":
        raise ExperimentConfigError(
            f"{path} is not an experiment file (.toml); describe the cohort and its column "
            "mapping in experiments/<study>.toml (see experiments/README.md) and pass that file"
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ExperimentConfigError(f"{path} is not valid TOML: {exc}") from exc
    check_keys(raw, SECTIONS, where=str(path))
    study = get(raw, "study", "dict", where=str(path), required=True)
    where = f"{path} [study]"
    check_keys(study, _STUDY_KEYS, where=where)
    name = get(study, "name", "str", where=where, required=True)
    if not _NAME.fullmatch(name):
        raise ExperimentConfigError(
            f"{where} name {name!r} may hold only letters, digits, '_', '.' and '-'."
        )
    if name.endswith(LANDMARKS_SUFFIX):
        raise ExperimentConfigError(
            f"{where} name {name!r} ends in {LANDMARKS_SUFFIX!r}, which names the landmark "
            f"models of study {name.removesuffix(LANDMARKS_SUFFIX)!r} in the registry; "
            "choose another name.")
    description = get(study, "description", "str", where=where, default="")
    anchor = path if folder is None else Path(folder).resolve() / path.name
    data = parse_data(get(raw, "data", "dict", where=str(path), required=True), path, anchor)
    sets, sensitivity = _parse_feature_sets(raw.get("feature_sets", {}), path)
    for section in ("model", "evaluation", "screening", "monitoring"):
        get(raw, section, "dict", where=str(path))  # reserved: a table, checked later
    _check_evaluation(raw.get("evaluation") or {}, sets, path)
    return Experiment(name=name, path=path, description=description, data=data,
                      feature_sets=sets, raw=raw, sensitivity_sets=sensitivity)


def _check_evaluation(evaluation, feature_sets, path):
    """The ``[evaluation]`` table: published AUCs per declared feature set, and a note."""
    where = f"{path} [evaluation]"
    check_keys(evaluation, ("published_auc", "published_note"), where=where)
    get(evaluation, "published_note", "str", where=where)
    published = get(evaluation, "published_auc", "dict[str,number]", where=where, default={})
    unknown = [name for name in published if name not in feature_sets]
    if unknown:
        raise ExperimentConfigError(
            f"{where} published_auc names {unknown}, which [feature_sets] does not declare "
            f"({sorted(feature_sets) or 'none declared'}); key each published AUC by the "
            "feature set it is shown beside.")
    outside = {name: auc for name, auc in published.items() if not 0 <= auc <= 1}
    if outside:
        raise ExperimentConfigError(
            f"{where} published_auc {outside}: an AUC lies between 0 and 1 (write 0.87, "
            "not 87).")


def _parse_feature_sets(sets, path):
    where = f"{path} [feature_sets]"
    if not isinstance(sets, dict):
        raise ExperimentConfigError(f"{where} must be a table of name = [columns].")
    out, sensitivity = {}, []
    for name, value in sets.items():
        if isinstance(value, dict):
            inner = f"{path} [feature_sets.{name}]"
            check_keys(value, _SET_KEYS, where=inner)
            columns = get(value, "columns", "list[str]", where=inner, required=True)
            if get(value, "sensitivity", "bool", where=inner, default=False):
                sensitivity.append(name)
            get(value, "description", "str", where=inner)
        else:
            columns = get(sets, name, "list[str]", where=where)
        if not columns:
            raise ExperimentConfigError(f"{where} feature set {name!r} is empty.")
        dup = sorted({c for c in columns if columns.count(c) > 1})
        if dup:
            raise ExperimentConfigError(f"{where} feature set {name!r} repeats {dup}.")
        out[name] = list(columns)
    return out, tuple(sensitivity)
