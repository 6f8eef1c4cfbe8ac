"""The reviewer report of a study whose experiment file names its data by relative paths
(as experiments/README.md recommends) recomputes SHAP and subgroups from that data."""


def test_report_resolves_the_logged_experiment_files_relative_paths(trained_study, cli):
    study, _, run_id = trained_study
    assert 'source = "cohort/patients.csv"' in study.experiment.read_text()
    out = study.folder / "relative.html"
    result = cli("report", "--run", run_id, "--out", out, "--tracking-uri", study.uri,
                 "--n-bootstrap", "20", "--no-log", cwd=study.folder.parent)
    assert result.returncode == 0, result.stderr
    assert "sections missing" not in result.stdout
    html = out.read_text(encoding="utf-8")
    assert "Global importance" in html
    assert "SHAP explanations not computed" not in html
