"""Privacy: patient ids never leave the machine in clear unless asked, nor raw patient rows.

The study's ids have a distinctive form (``QZ-00017-RL``), so one regular
expression finds any of them in any file. A default ``train`` plus its
``report`` are searched everywhere they write: every artifact of the parent
and child runs and of the registered model, every param, tag and metric name,
the SQLite store itself, the CLI output and the report HTML. Tables found in
artifacts must hold no row of the raw cohort. ``--log-patient-ids`` keeps the
ids in the out-of-fold predictions. The server listens on 127.0.0.1 unless
told otherwise.
"""

import json
import re
import socket
from pathlib import Path

import pandas as pd
import pytest
from rel_helpers import ID_PATTERN

ID_BYTES = re.compile(ID_PATTERN.pattern.encode())
pytestmark = pytest.mark.slow  # two trains, a report and an explain: about a minute


def _runs(client, run_id):
    """The parent run and its children."""
    parent = client.get_run(run_id)
    children = client.search_runs([parent.info.experiment_id],
                                  filter_string=f"tags.mlflow.parentRunId = '{run_id}'")
    return [parent, *children]


def _download(uri, run_ids, model_uri, dst):
    import mlflow

    from irpredict.tracking.registry import _using

    folders = []
    with _using(uri):
        for run_id in run_ids:
            folders.append(Path(mlflow.artifacts.download_artifacts(
                run_id=run_id, artifact_path="", tracking_uri=uri,
                dst_path=str(dst / run_id))))
        folders.append(Path(mlflow.artifacts.download_artifacts(
            model_uri, dst_path=str(dst / "model"))))
    return [p for folder in folders for p in folder.rglob("*") if p.is_file()]


@pytest.fixture(scope="module")
def logged(trained_study, cli, tmp_path_factory):
    """Everything a default train + report wrote: files, run data, CLI output, report."""
    from irpredict.tracking import get_client

    study, train_result, run_id = trained_study
    folder = tmp_path_factory.mktemp("privacy")
    report = cli("report", "--run", run_id, "--tracking-uri", study.uri,
                 "--out", folder / "report.html", "--n-bootstrap", "20", cwd=folder)
    assert report.returncode == 0, report.stderr
    explain = cli("explain", "-m", "models:/relstudy@champion", "-d", study.experiment,
                  "-p", study.ids[3], "-o", folder / "expl", "--tracking-uri", study.uri,
                  cwd=study.folder)
    assert explain.returncode == 0, explain.stderr
    client = get_client(study.uri)
    runs = _runs(client, run_id)
    assert len(runs) >= 2
    files = _download(study.uri, [r.info.run_id for r in runs], "models:/relstudy/1",
                      folder / "artifacts")
    return {"study": study, "runs": runs, "files": files, "folder": folder,
            "outputs": {"train": train_result, "report": report, "explain": explain}}


def test_no_patient_id_in_any_artifact(logged):
    names = {p.name for p in logged["files"]}
    assert {"oof_predictions.csv", "MLmodel", "input_example.json", "report.html"} <= names
    leaks = {str(p): ID_BYTES.findall(p.read_bytes())[:3] for p in logged["files"]}
    assert {k: v for k, v in leaks.items() if v} == {}


def test_no_patient_id_in_params_tags_metrics_or_the_store(logged):
    for run in logged["runs"]:
        data = run.data
        text = json.dumps([data.params, data.tags, sorted(data.metrics), run.info.run_name])
        assert not ID_PATTERN.search(text), run.info.run_name
    assert not ID_BYTES.search(logged["study"].db.read_bytes())


def test_no_patient_id_in_cli_output_or_report(logged):
    for name, result in logged["outputs"].items():
        found = ID_PATTERN.findall(result.stdout + result.stderr)
        if name == "explain":  # the one patient the user asked about, and only that one
            assert set(found) <= {logged["study"].ids[3]}
        else:
            assert found == [], name
    html = (logged["folder"] / "report.html").read_bytes()
    assert not ID_BYTES.search(html)
    for path in (logged["folder"] / "expl").iterdir():
        assert not ID_BYTES.search(path.read_bytes()), path.name


def _tables(path):
    """Tables held by an artifact: CSV, Parquet, or JSON {"columns", "data"} (nested too)."""
    if path.suffix == ".csv":
        yield pd.read_csv(path)
    elif path.suffix == ".parquet":
        yield pd.read_parquet(path)
    elif path.suffix == ".json":
        stack = [json.loads(path.read_text())]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                if isinstance(item.get("columns"), list) and isinstance(item.get("data"), list):
                    yield pd.DataFrame(item["data"], columns=item["columns"])
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(x for x in item if isinstance(x, dict | list))


def _canon(value):
    if pd.isna(value):
        return ""
    return f"{float(value):.6g}" if isinstance(value, int | float) else str(value)


def _matching_rows(table, raw, ignore=("therapy_class", "response", "site")):
    """Rows of ``table`` equal to a row of ``raw`` on every shared column (>= 3 of them)."""
    shared = [c for c in table.columns if c in raw.columns and c not in ignore]
    if len(shared) < 3:
        return 0
    left = table[shared].map(_canon).drop_duplicates()
    return len(left.merge(raw[shared].map(_canon).drop_duplicates(), on=shared))


def _patients_copied(table, patients, measurements, ignore=("therapy_class", "response", "site")):
    """Rows of ``table`` that copy one patient: equal on the shared patient columns, and every
    ``<biomarker>__baseline`` value is one of that patient's raw values of the biomarker."""
    shared = [c for c in table.columns if c in patients.columns and c not in ignore]
    biomarkers = set(measurements["biomarker"])
    baseline = {c: c.removesuffix("__baseline") for c in table.columns
                if c.endswith("__baseline") and c.removesuffix("__baseline") in biomarkers}
    if len(shared) + len(baseline) < 3:
        return 0
    drawn = {key: set(map(_canon, values)) for key, values in
             measurements.groupby(["patient_id", "biomarker"])["value"]}
    people = patients.set_index("patient_id")[shared].map(_canon)
    copied = 0
    for row in table.to_dict("records"):
        want = tuple(_canon(row[c]) for c in shared)
        measured = {b: _canon(row[c]) for c, b in baseline.items() if _canon(row[c])}
        for pid, values in people.iterrows():
            if tuple(values) == want and all(
                    v in drawn.get((pid, b), ()) for b, v in measured.items()):
                copied += 1
                break
    return copied


def test_no_raw_patient_rows_in_artifacts(logged):
    cohort = logged["study"].cohort
    raw = {name: pd.read_csv(cohort / f"{name}.csv")
           for name in ("patients", "measurements", "tumor_assessments")}
    checked = 0
    for path in logged["files"]:
        for table in _tables(path):
            checked += 1
            assert _patients_copied(table, raw["patients"], raw["measurements"]) == 0, \
                f"{path.name} holds patients' rows"
            for name in ("measurements", "tumor_assessments"):
                assert _matching_rows(table, raw[name]) == 0, f"{path.name} holds {name} rows"
    assert checked >= 3  # at least the OOF predictions, metrics and the input example


def test_log_patient_ids_keeps_them_in_oof_predictions(ids_study, tmp_path):
    import mlflow

    from irpredict.tracking import get_client

    study, _, run_id = ids_study
    children = [r for r in _runs(get_client(study.uri), run_id) if r.info.run_id != run_id]
    assert children
    for child in children:
        path = mlflow.artifacts.download_artifacts(run_id=child.info.run_id,
                                                   artifact_path="oof_predictions.csv",
                                                   tracking_uri=study.uri,
                                                   dst_path=str(tmp_path / child.info.run_id))
        oof = pd.read_csv(path)
        assert set(oof["patient_id"]) == set(study.ids)


def _listening(pid):
    """(address, port) of the TCP sockets process ``pid`` listens on (from /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().as_posix()
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table in ("tcp", "tcp6"):
        lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A = LISTEN
                address, port = local.split(":")
                if table == "tcp":
                    address = socket.inet_ntoa(bytes.fromhex(address)[::-1])
                found.append((address, int(port, 16)))
    return found


def test_server_binds_loopback_by_default(served, cli):
    help_text = " ".join(cli("serve", "--help").stdout.split())
    assert re.search(r"--host .*\[default: 127\.0\.0\.1\]", help_text), help_text
    port, pid, _ = served
    assert _listening(pid) == [("127.0.0.1", port)]
