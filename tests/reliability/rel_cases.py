"""The corpus of malformed inputs run by ``test_rel_corpus``: one :class:`Case` per input.

Each case builds its inputs in its own folder (``build(ctx, folder)`` returns
the command line) from the session's tiny trained study, and says what the
command must answer: the exit status, a regular expression the error must
match, and which outputs must not appear (``out``) or must stay as they were
(``keep``). ``store=True`` gives the case a fresh MLflow store in
``folder/mlruns``, which must hold no FINISHED run and no registered version
afterwards.
"""

import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from srv_helpers import free_port

MODEL = "models:/relstudy@champion"


@dataclass(frozen=True)
class Case:
    """One malformed input: how to build the command line and what it must say."""

    id: str
    command: str
    build: object  # (ctx, folder) -> list of CLI arguments
    expect: str  # regular expression searched in stderr (whitespace collapsed)
    usage: bool = False  # rejected by typer before the command runs (its own message format)
    out: str | None = None  # path (relative to the case folder) that must not exist after
    keep: str | None = None  # file written before the case (PREVIOUS) that must stay as it was
    store: bool = False  # the case gets a fresh store in folder/mlruns


@dataclass(frozen=True)
class Ctx:
    """What builders can use: the trained study, its run, and the case's own store URI."""

    study: object
    run_id: str
    template: Path
    busy_port: int  # a port something else is listening on



def _taken_folder(folder):
    """A folder that holds something (an empty one is taken as made for the export)."""
    (folder / "taken").mkdir()
    (folder / "taken" / "notes.txt").write_text("mine\n")
    return folder / "taken"

def store_uri(folder):
    """Tracking URI of a case's own store (``folder/mlruns/mlflow.db``)."""
    return f"sqlite:///{folder / 'mlruns' / 'mlflow.db'}"


# --- builders of bad inputs ------------------------------------------------------------------

def cohort_copy(ctx, folder, edit=None, table="patients"):
    """A copy of the study's cohort folder with ``edit(frame)`` applied to one table."""
    target = folder / "cohort"
    shutil.copytree(ctx.study.cohort, target)
    if edit is not None:
        path = target / f"{table}.csv"
        frame = pd.read_csv(path, dtype={"patient_id": str})
        frame = edit(frame)
        frame.to_csv(path, index=False)
    return target


def set_cell(column, row, value):
    def edit(frame):
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value
        return frame
    return edit


def experiment(ctx, folder, *edits, name="bad.toml"):
    """The study's experiment file with its data paths made absolute and ``edits`` applied."""
    text = ctx.study.experiment.read_text().replace('"cohort/', f'"{ctx.study.cohort}/')
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = folder / name
    path.write_text(text)
    return path


PREVIOUS = "output of an earlier, successful run\n"


def previous(folder, name):
    """Write ``name`` as an earlier run's output; a failing run must leave it unchanged."""
    return raw_file(folder, name, PREVIOUS)


def raw_file(folder, name, content):
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def train(*edits):
    def build(ctx, folder):
        return ["train", experiment(ctx, folder, *edits), "--tracking-uri", store_uri(folder)]
    return build


def bad_assessments(edit):
    def build(ctx, folder):
        cohort = cohort_copy(ctx, folder, edit, table="tumor_assessments")
        return ["assess-response", cohort / "tumor_assessments.csv", "--out", "bor.csv"]
    return build


def screen(*criteria, extra=()):
    def build(ctx, folder):
        args = ["screen", ctx.study.experiment, "--out", "scr", "--p0", "0.2",
                "--n-bootstrap", "20"]
        for item in criteria:
            args += ["--criteria", item]
        return args + list(extra)
    return build


def explain(*extra, data=None):
    def build(ctx, folder):
        source = data(ctx, folder) if data else ctx.study.experiment
        return ["explain", "-m", MODEL, "-d", source, "--tracking-uri", ctx.study.uri,
                "-o", "expl", *extra]
    return build


def model_uri(command, uri, extra=()):
    """``command`` with a bad ``--model`` (``uri`` is text or ``(ctx, folder) -> text``)."""
    def build(ctx, folder):
        ref = uri(ctx, folder) if callable(uri) else uri
        args = {"evaluate": ["evaluate", "--model", ref, "--data", ctx.study.experiment,
                             "--out", "eval", "--n-bootstrap", "10"],
                "export": ["export", "--model", ref, "--out", "exported"],
                "explain": ["explain", "-m", ref, "-d", ctx.study.experiment,
                            "-p", ctx.study.ids[0], "-o", "expl"],
                "serve": ["serve", "--model", ref, "--port", free_port()],
                "screen": ["screen", ctx.study.experiment, "--model", ref, "--out", "scr",
                           "--p0", "0.2", "--thresholds", "0.5"]}[command]
        return [*args, "--tracking-uri", ctx.study.uri, *extra]
    return build


def not_a_model(ctx, folder):
    path = folder / "notamodel"
    path.mkdir()
    (path / "model.pkl").write_bytes(b"\x80\x04not a pickle")
    return str(path)


def truncated_mlmodel(ctx, folder):
    path = folder / "halfmodel"
    path.mkdir()
    (path / "MLmodel").write_text("flavors:\n  python_function:\n    loader_module: [\n")
    return str(path)


def _drop(*columns):
    return lambda frame: frame.drop(columns=list(columns))


def _mixed_units(frame):
    rows = frame["biomarker"].eq("crp") & frame["patient_id"].isin(frame["patient_id"][:40])
    frame.loc[rows, "unit"] = "mmol/L"
    return frame


def _features_on(edit, table="patients"):
    def build(ctx, folder):
        return ["features", cohort_copy(ctx, folder, edit, table), "--out", "f.parquet"]
    return build


def _table(ctx, folder, edit):
    frame = edit(pd.read_csv(ctx.study.cohort / "patients.csv", dtype={"patient_id": str}))
    path = folder / "table.csv"
    frame.to_csv(path, index=False)
    return path


# --- the corpus ------------------------------------------------------------------------------

CASES = [
    # cohort files, through the commands that read them
    Case("features-duplicate-ids", "features",
         _features_on(set_cell("patient_id", 5, "QZ-00001-RL")),
         r"patient_id.*duplicate.*QZ-00001-RL", out="f.parquet"),
    Case("features-unknown-therapy", "features",
         _features_on(set_cell("therapy_class", 3, "pd1 blockade")),
         r"therapy_class.*'pd1 blockade'", out="f.parquet"),
    Case("features-mixed-units", "features", _features_on(_mixed_units, "measurements"),
         r"crp.*mmol/L", out="f.parquet"),
    Case("features-value-text", "features",
         _features_on(set_cell("value", 7, "12,5 mg"), "measurements"),
         r"measurements\.csv.*'value'.*'12,5 mg'", out="f.parquet"),
    Case("features-missing-biomarker-column", "features",
         _features_on(_drop("biomarker"), "measurements"),
         r"measurements\.csv.*'biomarker'", out="f.parquet"),
    Case("features-empty-patients", "features",
         lambda ctx, d: ["features", (cohort_copy(ctx, d) / "patients.csv").write_bytes(b"")
                         or d / "cohort", "--out", "f.parquet"],
         r"patients\.csv is empty", out="f.parquet"),
    Case("features-negative-landmark", "features",
         lambda ctx, d: ["features", cohort_copy(ctx, d), "-L", "-5", "--out", "f.parquet"],
         r"landmark.*-5", out="f.parquet"),
    Case("features-bad-baseline-window", "features",
         lambda ctx, d: ["features", cohort_copy(ctx, d), "--baseline-window", "a:b",
                         "--out", "f.parquet"],
         r"baseline-window.*a:b", out="f.parquet"),
    Case("features-reversed-baseline-window", "features",
         lambda ctx, d: ["features", cohort_copy(ctx, d), "--baseline-window", "0:-30",
                         "--out", "f.parquet"],
         r"baseline_window \(0\.0, -30\.0\) must satisfy", out="f.parquet"),
    Case("assess-empty-file", "assess-response",
         lambda ctx, d: ["assess-response", raw_file(d, "scans.csv", b""), "--out", "bor.csv"],
         r"scans\.csv.*empty", out="bor.csv"),
    Case("assess-binary-garbage", "assess-response",
         lambda ctx, d: ["assess-response", raw_file(d, "scans.csv", bytes(range(256)) * 8),
                         "--out", "bor.csv"],
         r"scans\.csv.*binary", out="bor.csv"),
    Case("assess-wrong-extension", "assess-response",
         lambda ctx, d: ["assess-response", raw_file(d, "scans.json", "{}"), "--out", "bor.csv"],
         r"scans\.json.*extension", out="bor.csv"),
    Case("assess-missing-sld-column", "assess-response", bad_assessments(_drop("target_sld_mm")),
         r"tumor_assessments\.csv.*target_sld_mm", out="bor.csv"),
    Case("assess-day-as-text", "assess-response",
         bad_assessments(set_cell("day", 2, "week 6")), r"'day'.*'week 6'", out="bor.csv"),
    Case("assess-negative-size", "assess-response",
         bad_assessments(set_cell("target_sld_mm", 4, -3.0)), r"target_sld_mm.*negative",
         out="bor.csv"),
    Case("assess-missing-file", "assess-response",
         lambda ctx, d: ["assess-response", d / "nope.csv", "--out", "bor.csv"],
         r"nope\.csv.*(does not exist|not found)", out="bor.csv"),
    Case("validate-table-id-column-absent", "validate",
         lambda ctx, d: ["validate", _table(ctx, d, lambda f: f), "--id", "PatientID",
                         "--label", "response"], r"'PatientID'"),
    Case("validate-table-label-absent", "validate",
         lambda ctx, d: ["validate", _table(ctx, d, _drop("response")), "--id", "patient_id",
                         "--label", "response", "--therapy-class", "cytokine"], r"'response'"),
    Case("validate-table-unknown-therapy-option", "validate",
         lambda ctx, d: ["validate", _table(ctx, d, _drop("therapy_class")), "--id",
                         "patient_id", "--therapy-class", "vaccine"], r"vaccine"),
    Case("validate-json-under-a-file", "validate",
         lambda ctx, d: ["validate", ctx.study.cohort, "--json",
                         raw_file(d, "plain", "x") / "summary.json"],
         r"plain.*a file, not a folder"),
    Case("simulate-class-mix-unknown", "simulate",
         lambda ctx, d: ["simulate", "--out", "sim", "-n", "50", "--class-mix", "vaccine=1"],
         r"vaccine", out="sim"),
    Case("simulate-class-mix-syntax", "simulate",
         lambda ctx, d: ["simulate", "--out", "sim", "-n", "50", "--class-mix", "cytokine:0.5"],
         r"class-mix.*cytokine:0\.5", out="sim"),
    Case("simulate-out-is-a-file", "simulate",
         lambda ctx, d: ["simulate", "--out", raw_file(d, "sim", "x"), "-n", "50"],
         r"sim.*(not a folder|exists)"),
    Case("demo-out-is-a-file", "demo",
         lambda ctx, d: ["demo", "--out", raw_file(d, "demo", "x"), "-n", "300"],
         r"demo.*(not a folder|exists)"),
    Case("demo-too-few-patients", "demo", lambda ctx, d: ["demo", "--out", "demo", "-n", "10"],
         r"--patients", usage=True, out="demo"),
    Case("features-keeps-previous-output", "features",
         lambda ctx, d: ["features", cohort_copy(ctx, d, set_cell("value", 3, "n/a?"),
                                                 "measurements"),
                         "--out", previous(d, "f.csv")], r"'n/a\?'", keep="f.csv"),
    Case("assess-keeps-previous-output", "assess-response",
         lambda ctx, d: ["assess-response", raw_file(d, "scans.csv", b""),
                         "--out", previous(d, "bor.csv")], r"scans\.csv.*empty", keep="bor.csv"),
    Case("report-keeps-previous-output", "report",
         lambda ctx, d: ["report", "--run", "0" * 32, "--tracking-uri", ctx.study.uri,
                         "--out", previous(d, "r.html")], r"0{32}", keep="r.html"),
    # experiment files (train)
    Case("train-toml-syntax", "train", train(('name = "relstudy"', 'name = "relstudy')),
         r"bad\.toml is not valid TOML", store=True),
    Case("train-unknown-study-key", "train", train(("[study]\n", "[study]\nnmae = 'x'\n")),
         r"'nmae'.*\[study\].*'name'", store=True),
    Case("train-wrong-type", "train", train(("outer_folds = 3", 'outer_folds = "three"')),
         r"outer_folds.*three", store=True),
    Case("train-outer-folds-one", "train", train(("outer_folds = 3", "outer_folds = 1")),
         r"outer_folds.*2", store=True),
    Case("train-missing-data-file", "train",
         train(("patients.csv", "patients_v2.csv")), r"patients_v2\.csv does not exist",
         store=True),
    Case("train-label-absent", "train", train(('label = "response"', 'label = "pcr"')),
         r"'pcr'", store=True),
    Case("train-id-absent", "train", train(('id = "patient_id"', 'id = "PatientID"')),
         r"'PatientID'", store=True),
    Case("train-feature-set-unknown-column", "train", train(('"ecog",', '"ecgo",')),
         r"ecgo.*ecog", store=True),
    Case("train-feature-set-empty", "train",
         train(('on_treatment = ["age", "ecog", "liver_mets", "her2_ihc", "er_status", '
                '"measurements:*"]', "on_treatment = []")), r"on_treatment.*empty", store=True),
    Case("train-label-as-feature", "train", train(('"age",', '"age", "response",')),
         r"label column 'response'", store=True),
    Case("train-excluded-column-as-feature", "train",
         train(('"age",', '"age", "response_definition",')), r"response_definition", store=True),
    Case("train-unknown-family", "train",
         train(('families = ["logistic"]', 'families = ["svm"]')), r"svm", store=True),
    Case("train-final-family-not-trained", "train",
         train(('final_family = "logistic"', 'final_family = "xgboost"')), r"final_family.*xgboost",
         store=True),
    Case("train-final-feature-set-unknown", "train",
         train(('final_feature_set = "on_treatment"', 'final_feature_set = "clinical"')),
         r"final_feature_set.*clinical", store=True),
    Case("train-negative-bootstrap", "train", train(("n_bootstrap = 20", "n_bootstrap = -5")),
         r"n_bootstrap", store=True),
    Case("train-threshold-out-of-range", "train",
         train(("[model]\n", "[model]\nthreshold = 1.5\n")), r"threshold", store=True),
    Case("train-therapy-map-unknown-class", "train",
         train(('cytokine = "cytokine"', 'cytokine = "cytokines"')), r"cytokines", store=True),
    Case("train-source-and-simulate", "train",
         train(('id = "patient_id"', 'id = "patient_id"\nsimulate = { patients = 50 }')),
         r"both 'source' and 'simulate'", store=True),
    Case("train-no-study-table", "train",
         train(('[study]\nname = "relstudy"\n', ""), ('description = "tiny simulated study for the '
                                                       'reliability tests"\n', "")),
         r"needs the key 'study'", store=True),
    Case("train-empty-file", "train",
         lambda ctx, d: ["train", raw_file(d, "empty.toml", ""), "--tracking-uri", store_uri(d)],
         r"empty\.toml needs the key 'study'", store=True),
    Case("train-binary-file", "train",
         lambda ctx, d: ["train", raw_file(d, "garbage.toml", bytes(range(256)) * 4),
                         "--tracking-uri", store_uri(d)], r"garbage\.toml", store=True),
    Case("train-folder-not-file", "train",
         lambda ctx, d: ["train", d, "--tracking-uri", store_uri(d)], r"is a folder, not a file",
         store=True),
    Case("train-duplicate-ids-in-data", "train",
         lambda ctx, d: ["train", experiment(ctx, d, (str(ctx.study.cohort / "patients.csv"),
                                                      str(_table(ctx, d, set_cell(
                                                          "patient_id", 8, "QZ-00002-RL"))))),
                         "--tracking-uri", store_uri(d)],
         r"QZ-00002-RL", store=True),
    Case("train-bad-tracking-uri", "train",
         lambda ctx, d: ["train", experiment(ctx, d), "--tracking-uri", "foo://bar"],
         r"foo://bar"),
    Case("train-negative-seed", "train",
         lambda ctx, d: ["train", experiment(ctx, d), "--seed", "-1",
                         "--tracking-uri", store_uri(d)],
         r"--seed", usage=True, store=True),
    # criteria strings (screen)
    Case("screen-criteria-syntax", "screen", screen("age >="), r"age >=", out="scr"),
    Case("screen-criteria-unknown-column", "screen", screen("agee > 50"), r"agee.*age",
         out="scr"),
    Case("screen-criteria-unbalanced", "screen", screen("(age > 50 and ecog < 2"), r"\(age > 50",
         out="scr"),
    Case("screen-criteria-python-injection", "screen",
         screen("__import__('os').system('touch pwned')"), r"__import__", out="scr"),
    Case("screen-criteria-attribute-injection", "screen",
         screen("age.__class__ > 1"), r"__class__", out="scr"),
    Case("screen-criteria-shell-injection", "screen", screen("age > 50; rm -rf /"), r"rm -rf",
         out="scr"),
    Case("screen-criteria-text-vs-number", "screen", screen("er_status >= 5"), r"er_status",
         out="scr"),
    Case("screen-criteria-empty", "screen", screen(""), r"criteri", out="scr"),
    Case("screen-thresholds-garbage", "screen", screen(extra=("--thresholds", "a:b:c")),
         r"--thresholds.*a:b:c", out="scr"),
    Case("screen-score-column-absent", "screen",
         screen(extra=("--thresholds", "0.5", "--score-column", "prob")), r"'prob'", out="scr"),
    Case("screen-p0-out-of-range", "screen", screen("age > 50", extra=("--p0", "1.5")),
         r"p0.*1\.5", out="scr"),
    Case("screen-missing-policy", "screen", screen("age > 50", extra=("--missing", "drop")),
         r"missing.*'drop'", out="scr"),
    Case("screen-sided-three", "screen", screen("age > 50", extra=("--sided", "3")),
         r"sided.*3", out="scr"),
    # model URIs
    Case("evaluate-model-path-missing", "evaluate",
         model_uri("evaluate", lambda ctx, d: str(d / "no" / "such" / "model")),
         r"no/such/model", out="eval"),
    Case("export-model-name-unknown", "export", model_uri("export", "models:/nosuch@champion"),
         r"nosuch", out="exported"),
    Case("export-model-version-unknown", "export", model_uri("export", "models:/relstudy/99"),
         r"relstudy.*99", out="exported"),
    Case("explain-model-alias-unknown", "explain",
         model_uri("explain", "models:/relstudy@nosuchalias"), r"nosuchalias", out="expl"),
    Case("explain-folder-not-a-model", "explain", model_uri("explain", not_a_model),
         r"notamodel.*MLmodel", out="expl"),
    Case("evaluate-truncated-mlmodel", "evaluate", model_uri("evaluate", truncated_mlmodel),
         r"halfmodel/MLmodel is not a readable MLmodel file", out="eval"),
    Case("evaluate-runs-uri-bad-id", "evaluate",
         model_uri("evaluate", "runs:/0123456789abcdef0123456789abcdef/model"),
         r"0123456789abcdef0123456789abcdef", out="eval"),
    Case("serve-model-unknown", "serve", model_uri("serve", "models:/nosuch@champion"),
         r"nosuch"),
    Case("screen-model-unknown", "screen", model_uri("screen", "models:/nosuch@champion"),
         r"nosuch", out="scr"),
    Case("export-out-exists", "export",
         lambda ctx, d: ["export", "--model", MODEL, "--out", _taken_folder(d),
                         "--tracking-uri", ctx.study.uri], r"taken.*--force"),
    # patient ids (explain)
    Case("explain-unknown-patient", "explain", explain("-p", "QZ-99999-RL"), r"QZ-99999-RL",
         out="expl"),
    Case("explain-empty-patient", "explain", explain("-p", ""), r"patient", out="expl"),
    Case("explain-no-patient-nor-all", "explain", explain(), r"--patient.*--all", out="expl"),
    Case("explain-data-missing-columns", "explain",
         explain("--all", data=lambda ctx, d: _table(ctx, d, _drop("age", "ecog"))),
         r"age", out="expl"),
    # report
    Case("report-run-unknown", "report",
         lambda ctx, d: ["report", "--run", "f" * 32, "--tracking-uri", ctx.study.uri,
                         "--out", "r.html"], r"f{32}", out="r.html"),
    Case("report-run-not-an-id", "report",
         lambda ctx, d: ["report", "--run", "not-a-run", "--tracking-uri", ctx.study.uri,
                         "--out", "r.html"], r"not-a-run", out="r.html"),
    Case("report-run-is-a-child", "report",
         lambda ctx, d: ["report", "--run", _child_run(ctx), "--tracking-uri", ctx.study.uri,
                         "--out", "r.html", "--no-log"], r"(parent|child)", out="r.html"),
    # bad options
    Case("serve-port-out-of-range", "serve",
         lambda ctx, d: ["serve", "--model", MODEL, "--port", "70000",
                         "--tracking-uri", ctx.study.uri], r"--port.*65535", usage=True),
    Case("serve-port-negative", "serve",
         lambda ctx, d: ["serve", "--model", MODEL, "--port", "-1",
                         "--tracking-uri", ctx.study.uri], r"--port", usage=True),
    Case("serve-port-taken", "serve",
         lambda ctx, d: ["serve", "--model", MODEL, "--port", ctx.busy_port,
                         "--tracking-uri", ctx.study.uri], r"cannot listen on.*in use"),
    Case("serve-host-unknown", "serve",
         lambda ctx, d: ["serve", "--model", MODEL, "--host", "no-such-host.invalid",
                         "--tracking-uri", ctx.study.uri], r"cannot listen on no-such-host"),
    Case("evaluate-threshold-out-of-range", "evaluate",
         lambda ctx, d: ["evaluate", "--model", MODEL, "--data", ctx.study.experiment, "--out",
                         "eval", "--threshold", "2", "--tracking-uri", ctx.study.uri],
         r"--threshold", usage=True, out="eval"),
    Case("assess-unknown-criteria", "assess-response",
         lambda ctx, d: ["assess-response", ctx.study.cohort / "tumor_assessments.csv", "--out",
                         "bor.csv", "--criteria", "recist2"], r"--criteria", usage=True,
         out="bor.csv"),
]


def _child_run(ctx):
    from irpredict.tracking import get_client

    client = get_client(ctx.study.uri)
    runs = client.search_runs(
        [client.get_run(ctx.run_id).info.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{ctx.run_id}'")
    return runs[0].info.run_id
