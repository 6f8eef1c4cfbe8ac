"""Helpers of the reliability tests: a tiny simulated study and store inspection.

``make_study`` writes a small simulated cohort (three tables, patient ids
rewritten to a distinctive ``QZ-00017-RL`` form so that a search for them
cannot hit anything by chance) and an experiment file that reads it like a
real study (a patients table plus long measurements), with a tiny ``[model]``
budget: one family, 3 outer x 2 inner folds, 1 repeat, 20 bootstraps, so a
``train`` takes seconds. """

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

EXPERIMENT = """
[study]
name = "{name}"
description = "tiny simulated study for the reliability tests"

[data]
source = "cohort/patients.csv"
id = "patient_id"
label = "response"
response_derived_biomarkers = ["sld_change_wk9"]

[data.therapy_rule]
column = "therapy_class"
map = {{ {therapy_map} }}

[data.columns]
exclude = ["response_definition"]

[[data.measurements]]
layout = "long"
file = "cohort/measurements.csv"
time = "day"
value = "value"
biomarker_column = "biomarker"
unit_column = "unit"

[feature_sets]
on_treatment = ["age", "ecog", "liver_mets", "her2_ihc", "er_status", "measurements:*"]

[model]
families = ["logistic"]
outer_folds = 3
inner_folds = 2
repeats = 1
n_bootstrap = 20
seed = {seed}
final_family = "logistic"
final_feature_set = "on_treatment"
"""

THERAPIES = ("checkpoint_inhibitor", "monoclonal_antibody", "cytokine", "adoptive_cell",
             "chemotherapy")
ID_PATTERN = re.compile(r"QZ-\d{5}-RL")
RUN_ID = re.compile(r"run id:\s*([0-9a-f]{32})")


@dataclass(frozen=True)
class Study:
    """A written study: its folder, experiment file, cohort folder, store and patient ids."""

    name: str
    folder: Path
    experiment: Path
    cohort: Path
    ids: tuple = field(repr=False)

    @property
    def uri(self):
        """Tracking URI of the study's own store (``<folder>/mlruns/mlflow.db``)."""
        return f"sqlite:///{self.folder / 'mlruns' / 'mlflow.db'}"

    @property
    def db(self):
        return self.folder / "mlruns" / "mlflow.db"


def distinctive_id(sim_id):
    """``SIM-00017`` -> ``QZ-00017-RL``."""
    return f"QZ-{int(sim_id.split('-')[1]):05d}-RL"


def write_study(folder, *, name="relstudy", patients=200, cohort_seed=3, seed=1,
                template=None, class_mix=None):
    """Write a tiny simulated study into ``folder`` and return its :class:`Study`.

    ``template`` (a migrated empty ``mlflow.db``) is copied into ``folder/mlruns``
    so that the first MLflow call does not pay for the schema migration. ``class_mix``
    (e.g. ``{"checkpoint_inhibitor": 1}``) goes to the simulator: one class trains one
    model instead of five, for tests about the store rather than the models.
    """
    import pandas as pd

    from irpredict.data.simulator import simulate_cohort, write_cohort

    folder = Path(folder)
    cohort = folder / "cohort"
    write_cohort(simulate_cohort(n_patients=patients, seed=cohort_seed, class_mix=class_mix),
                 cohort)
    for table in ("patients", "measurements", "tumor_assessments"):
        path = cohort / f"{table}.csv"
        frame = pd.read_csv(path, dtype={"patient_id": str})
        frame["patient_id"] = frame["patient_id"].map(distinctive_id)
        frame.to_csv(path, index=False)
    (cohort / "truth.json").unlink()  # the simulator's truth keeps the SIM- ids
    ids = tuple(pd.read_csv(cohort / "patients.csv", usecols=["patient_id"])["patient_id"])
    therapy_map = ", ".join(f'{t} = "{t}"' for t in THERAPIES)
    experiment = folder / f"{name}.toml"
    experiment.write_text(EXPERIMENT.format(name=name, seed=seed, therapy_map=therapy_map))
    study = Study(name=name, folder=folder, experiment=experiment, cohort=cohort, ids=ids)
    if template is not None:
        copy_store(template, study.db)
    return study


def copy_store(template, db):
    """Copy the migrated empty store ``template`` to ``db`` (folders created)."""
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, db)
    return f"sqlite:///{db}"


def run_id_of(result):
    """Parent run id printed by ``irpredict train``."""
    match = RUN_ID.search(result.stdout)
    assert match, result.stdout + result.stderr
    return match.group(1)


def store_state(uri):
    """Runs (id -> status) and model versions (name, version, source) of a store."""
    import mlflow

    from irpredict.tracking.registry import _using

    client = mlflow.MlflowClient(uri, registry_uri=uri)
    with _using(uri):
        experiments = client.search_experiments()
        runs = client.search_runs([e.experiment_id for e in experiments]) if experiments else []
        versions = [(v.name, v.version, v.source)
                    for m in client.search_registered_models()
                    for v in client.search_model_versions(f"name='{m.name}'")]
    return {r.info.run_id: r.info.status for r in runs}, versions


def version_has_artifacts(uri, name, version, dst):
    """True when registered ``name`` version ``version`` has an MLmodel and model files.

    The artifacts are downloaded into the new folder ``dst/<name>-<version>``.
    """
    import mlflow

    from irpredict.tracking.registry import _using

    with _using(uri):
        target = Path(dst) / f"{name}-{version}"
        target.mkdir(parents=True)
        local = mlflow.artifacts.download_artifacts(f"models:/{name}/{version}",
                                                    dst_path=str(target))
    files = [p.name for p in Path(local).rglob("*") if p.is_file()]
    return "MLmodel" in files and len(files) > 1


BATCH = Path(__file__).with_name("rel_batch.py")


def run_batches(jobs, folder, n_batches=2):
    """Run ``jobs`` ({id: (cwd, argv)}) through ``rel_batch.py`` in concurrent processes.

    Returns the results (id -> dict of returncode, stdout, stderr, seconds) and
    whatever the batch processes themselves printed.
    """
    env = dict(os.environ, MPLBACKEND="Agg", COLUMNS="200")
    ids = list(jobs)
    procs = []
    for i in range(n_batches):
        cases = [{"id": cid, "argv": jobs[cid][1], "cwd": str(jobs[cid][0])}
                 for cid in ids[i::n_batches]]
        spec, results = folder / f"batch{i}.json", folder / f"results{i}.json"
        spec.write_text(json.dumps(cases))
        procs.append((subprocess.Popen([sys.executable, str(BATCH), str(spec), str(results)],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True, env=env), results))
    merged, stray = {}, []
    for proc, results in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]
        stray.append(out + err)
        merged.update(json.loads(results.read_text()))
    return merged, "".join(stray)
