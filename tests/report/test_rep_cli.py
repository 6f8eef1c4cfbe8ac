"""`irpredict report` end to end: one self-contained HTML file, logged with the run."""

import re

import pytest

SECTIONS = ("Cohort summary", "Performance per therapy class", "Calibration and decision curves",
            "SHAP explanations of the final model", "Global importance", "Three example patients",
            "Subgroups", "Data fingerprint", "TRIPOD+AI checklist")


@pytest.fixture(scope="module")
def report(trained_study, cli):
    folder, _, uri, run_id = trained_study
    out = folder / "report.html"
    result = cli("report", "--run", run_id, "--out", out, "--tracking-uri", uri,
                 "--n-bootstrap", "50", cwd=folder)
    assert result.returncode == 0, result.stderr
    return result, out.read_text(encoding="utf-8")


def test_report_has_every_section(report):
    result, html = report
    assert "wrote" in result.stdout
    assert "logged as report/report.html" in result.stdout
    for section in SECTIONS:
        assert section in html, section
    assert "SHAP explanations not computed" not in html


def test_report_is_self_contained(report):
    _, html = report
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "http://" not in html
    assert "https://" not in html
    assert "<link" not in html
    assert "<script" not in html
    images = re.findall(r'<img[^>]*src="([^"]+)"', html)
    # 3 logged curves, >= 1 importance chart, 3 waterfalls
    assert len(images) >= 7
    assert all(src.startswith("data:image/png;base64,") for src in images)


def test_report_shows_the_runs_auc_values(report, trained_study):
    from irpredict.tracking import get_client

    _, html = report
    _, _, uri, run_id = trained_study
    client = get_client(uri)
    run = client.get_run(run_id)
    children = client.search_runs([run.info.experiment_id],
                                  filter_string=f"tags.mlflow.parentRunId = '{run_id}'")
    assert children
    for child in children:
        metrics = child.data.metrics
        groups = [k.split("__", 1)[1] for k in metrics if k.startswith("auc__")]
        assert "overall" in groups
        for group in groups:
            auc = metrics[f"auc__{group}"]
            low, high = metrics[f"auc_ci_low__{group}"], metrics[f"auc_ci_high__{group}"]
            assert f"{auc:.3f} [{low:.3f}-{high:.3f}]" in html, group
            nb = metrics[f"net_benefit__{group}"]
            low, high = (metrics[f"net_benefit_ci_{b}__{group}"] for b in ("low", "high"))
            sep = " to " if low < 0 else "-"
            assert f"{nb:.3f} [{low:.3f}{sep}{high:.3f}]" in html, group
            for name in ("sensitivity", "specificity"):  # TRIPOD item 9 points to them
                value = metrics[f"{name}__{group}"]
                low, high = (metrics[f"{name}_ci_{b}__{group}"] for b in ("low", "high"))
                assert f"{value:.3f} [{low:.3f}-{high:.3f}]" in html, (name, group)
    assert f"net benefit at {children[0].data.params['threshold']} [95% CI]" in html
    assert f"sensitivity at {children[0].data.params['threshold']} [95% CI]" in html


def test_report_hides_patient_ids_and_marks_unknown_tripod_items(report):
    _, html = report
    assert "SIM-0" not in html
    tripod = html.split("TRIPOD+AI checklist", 1)[1]
    assert "not recorded" in tripod  # e.g. protocol registration is never in a run
    for topic in ("Source of data", "Outcome definition", "Sample size", "Missing data",
                  "Internal validation", "Calibration", "Model availability", "Limitations"):
        assert topic in tripod


def test_report_subgroups_name_her2_and_er(report):
    _, html = report
    sub = html.split('id="subgroups"', 1)[1].split('id="fingerprint"', 1)[0]
    assert "crossfit_scores" in sub
    for name in ("all patients", "HER2 status (her2_ihc)", "ER status (er_status)", "site"):
        assert name in sub


def test_report_is_logged_with_the_run(report, trained_study, tmp_path):
    import mlflow

    _, html = report
    _, _, uri, run_id = trained_study
    path = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="report/report.html",
                                               tracking_uri=uri, dst_path=str(tmp_path))
    logged = open(path, encoding="utf-8").read()
    # same document apart from the generation time stamp
    strip = re.compile(r"generated [^&]+")
    assert strip.sub("", logged) == strip.sub("", html)


def test_unknown_run_is_one_line_error(trained_study, cli):
    folder, _, uri, _ = trained_study
    out = folder / "never.html"
    result = cli("report", "--run", "0" * 32, "--out", out, "--tracking-uri", uri, cwd=folder)
    assert result.returncode == 1
    assert "is not in the store" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    result = cli("report", "--run", "models:/repstudy@champion", "--out", out,
                 "--tracking-uri", uri, cwd=folder)
    assert result.returncode == 1
    assert "--run takes the run id `irpredict train` printed" in " ".join(result.stderr.split())
    assert not out.exists()


def test_a_run_id_pasted_with_spaces_is_read(trained_study, cli, tmp_path):
    folder, _, uri, run_id = trained_study
    result = cli("report", "--run", f" {run_id} ", "--out", tmp_path / "r.html",
                 "--tracking-uri", uri, "--no-log", "--n-bootstrap", "0", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "r.html").stat().st_size > 0


def test_unresolvable_data_is_said_in_the_report(trained_study, cli):
    folder, _, uri, run_id = trained_study
    moved = folder / "moved.toml"
    moved.write_text('[study]\nname = "repstudy"\n\n[data]\nsource = "gone/cohort.csv"\n'
                     'id = "patient_id"\nlabel = "response"\ntherapy_class = "cytokine"\n')
    out = folder / "partial.html"
    result = cli("report", "--run", run_id, "--out", out, "--tracking-uri", uri,
                 "--experiment", moved, "--no-log", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "SHAP and subgroup sections missing" in result.stdout
    html = out.read_text(encoding="utf-8")
    assert "SHAP explanations not computed" in html
    assert "cohort.csv" in html
    assert "Performance per therapy class" in html  # the run's own results are still there


def test_report_never_replaces_its_experiment_file(trained_study, cli):
    folder, experiment, uri, run_id = trained_study
    before = experiment.read_bytes()
    result = cli("report", "--run", run_id, "--experiment", experiment, "--out", experiment,
                 "--tracking-uri", uri, "--no-log", cwd=folder)
    assert result.returncode == 1
    assert "is an input of this command" in result.stderr
    assert experiment.read_bytes() == before


def test_report_never_replaces_the_tracking_store_or_a_file_that_is_no_report(trained_study,
                                                                              cli, tmp_path):
    folder, _, uri, run_id = trained_study
    store = folder / "mlflow.db"
    before = store.read_bytes()
    result = cli("report", "--run", run_id, "--out", store, "--tracking-uri", uri, "--no-log",
                 cwd=folder)
    assert result.returncode == 1
    assert f"cannot write {store}: it is an input of this command" in result.stderr
    assert store.read_bytes() == before
    # the default store of the working folder, without --tracking-uri
    (tmp_path / "mlruns").mkdir()
    default = tmp_path / "mlruns" / "mlflow.db"
    default.write_bytes(before)
    result = cli("report", "--run", run_id, "--out", "mlruns/mlflow.db", "--no-log", cwd=tmp_path)
    assert result.returncode == 1
    assert "it is an input of this command" in result.stderr
    assert default.read_bytes() == before
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    result = cli("report", "--run", run_id, "--out", notes, "--tracking-uri", uri, "--no-log",
                 cwd=folder)
    assert result.returncode == 1
    assert "exists and is not an HTML file" in result.stderr
    assert notes.read_text() == "mine"


def test_a_mistyped_store_is_named_and_not_created(trained_study, cli, tmp_path):
    _, _, _, run_id = trained_study
    result = cli("report", "--run", run_id, "--out", tmp_path / "r.html", "--tracking-uri",
                 "sqlite:///nodir/mlflow.db", "--no-log", cwd=tmp_path)
    assert result.returncode == 1
    assert "no MLflow store at" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_data_changed_since_the_run_is_said_not_analysed(trained_study, cli):
    folder, experiment, uri, run_id = trained_study
    other = folder / "other_data.toml"
    text = experiment.read_text()
    assert "seed = 5" in text
    other.write_text(text.replace("seed = 5", "seed = 6", 1))
    out = folder / "changed.html"
    result = cli("report", "--run", run_id, "--out", out, "--tracking-uri", uri,
                 "--experiment", other, "--no-log", cwd=folder)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "SHAP and subgroup sections missing: the cohort's data changed since the run" in text
    assert "SHAP explanations not computed" in out.read_text(encoding="utf-8")


def test_a_calibrated_final_model_is_said_in_the_shap_section(trained_study, report):
    from dataclasses import replace

    from irpredict.report.build import build_report, render_report

    _, html = report
    assert "post-hoc calibrated" not in html  # the study's final model is not calibrated
    folder, exp, uri, run_id = trained_study
    _, record, analysis = build_report(run_id, tracking_uri=uri, experiment=exp, n_bootstrap=0)
    assert analysis.available
    assert not analysis.calibrated
    calibrated = render_report(record, replace(analysis, calibrated=True))
    assert "The final model is post-hoc calibrated: its SHAP values explain the log-odds of " \
           "the model it calibrates" in calibrated
