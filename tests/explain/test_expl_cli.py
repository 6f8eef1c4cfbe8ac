"""`irpredict explain` through the real CLI against a model registered in a SQLite store."""

import re

import numpy as np
import pandas as pd
import pytest

from sim_study import simulated_study

STUDY = simulated_study(
    "explcli", patients=200, seed=7,
    feature_sets={"on_treatment": ["age", "ecog", "her2_ihc", "er_status", "measurements:*"]})
MODEL = "models:/explcli@champion"


@pytest.fixture(scope="module")
def registered(tmp_path_factory, cli):
    folder = tmp_path_factory.mktemp("explain_cli")
    exp = folder / "explcli.toml"
    exp.write_text(STUDY)
    uri = f"sqlite:///{folder}/mlflow.db"
    result = cli("train", exp, "--tracking-uri", uri, cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder, exp, uri


@pytest.fixture(scope="module")
def in_process(registered):
    """The explanation computed in this process with the public API."""
    from irpredict.explain import explain
    from irpredict.training.external import load_external_cohort
    from irpredict.training.publish import load_response_model

    _, exp, uri = registered
    model = load_response_model(MODEL, tracking_uri=uri)
    X, _ = model.frame_from_cohort(load_external_cohort(model, exp))
    return explain(model.classifier, X)


def _table_rows(stdout):
    rows = []
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) == 5:
            rows.append(cells)
    return rows


@pytest.fixture(scope="module")
def explained(registered, in_process, cli, tmp_path_factory):
    """One run of ``explain --patient <median patient> --all``: (patient, result, out folder)."""
    folder, exp, uri = registered
    out = tmp_path_factory.mktemp("explain_out")
    pid = str(in_process.prob.sort_values().index[len(in_process.prob) // 2])
    result = cli("explain", "--model", MODEL, "--data", exp, "--patient", pid, "--all",
                 "--tracking-uri", uri, "--out", out, "--top", "6", cwd=folder)
    assert result.returncode == 0, result.stderr
    return pid, result, out


def test_printed_values_equal_explain_in_process(explained, in_process):
    from PIL import Image

    pid, result, tmp_path = explained
    out = result.stdout
    prob = float(re.search(r"probability of response ([0-9.]+)", out).group(1))
    base = float(re.search(r"base value (-?[0-9.]+)", out).group(1))
    assert prob == pytest.approx(in_process.prob.loc[pid], abs=5e-4)
    assert base == pytest.approx(in_process.base_values.loc[pid], abs=5e-4)
    assert f"therapy class {in_process.therapy_class.loc[pid]}" in out
    text = " ".join(out.split())
    # the registered model was trained on this cohort: its probabilities are in-sample
    assert f"patient {pid} was among the model's training patients" in text
    assert f"{len(in_process.prob)} of these patients were among the model's training" in text
    rows = _table_rows(out)
    assert len(rows) == 6
    expected = in_process.values.loc[pid]
    order = np.argsort(-np.abs(expected.to_numpy()), kind="stable")[:6]
    assert [r[0] for r in rows] == [expected.index[j] for j in order]
    for name, _, column, direction, shap in rows:
        assert float(shap) == pytest.approx(expected[name], abs=5e-5)
        assert direction == ("↑ response" if expected[name] > 0 else "↓ response")
        assert column == in_process.shown_columns[name]
    # the waterfall PNG is written, and nothing else (no temporary file left)
    png = tmp_path / f"{pid}_waterfall.png"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([png.name, "explanations.csv"])
    pixels = np.asarray(Image.open(png).convert("L"), dtype=float)
    assert pixels.std() > 10


def test_all_writes_every_patients_values(explained, in_process):
    import pandas as pd

    _, _, tmp_path = explained
    tidy = pd.read_csv(tmp_path / "explanations.csv")
    assert list(tidy.columns) == ["patient_id", "therapy_class", "biomarker", "value",
                                  "value_column", "shap", "base_value", "explained_log_odds",
                                  "prob_response"]
    assert tidy["patient_id"].nunique() == len(in_process.values)
    # additivity can be checked from the file alone
    per_patient = tidy.groupby("patient_id").agg(shap=("shap", "sum"), base=("base_value", "first"),
                                              prob=("prob_response", "first"))
    logit = np.log(per_patient["prob"] / (1 - per_patient["prob"]))
    np.testing.assert_allclose(per_patient["shap"] + per_patient["base"], logit, atol=1e-6)
    explained_log_odds = tidy.groupby("patient_id")["explained_log_odds"].first()
    np.testing.assert_allclose(per_patient["shap"] + per_patient["base"], explained_log_odds,
                               atol=1e-6)
    wide = tidy.pivot(index="patient_id", columns="biomarker", values="shap")
    expected = in_process.values.copy()
    expected.index = expected.index.astype(str)
    pd.testing.assert_frame_equal(wide.loc[expected.index, expected.columns], expected,
                                  check_names=False, atol=1e-12)


def test_unknown_patient_exits_1_with_close_matches(registered, in_process, cli):
    folder, exp, uri = registered
    known = str(in_process.values.index[3])
    typo = known[:-1] + ("X" if known[-1] != "X" else "Y")
    result = cli("explain", "--model", MODEL, "--data", exp, "--patient", typo,
                 "--tracking-uri", uri, cwd=folder)
    assert result.returncode == 1
    assert f"patient {typo!r} is not in" in result.stderr
    assert "close matches" in result.stderr
    assert known in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(folder.glob("*_waterfall.png"))


def test_needs_patient_or_all(registered, cli):
    folder, exp, uri = registered
    result = cli("explain", "--model", MODEL, "--data", exp, "--tracking-uri", uri, cwd=folder)
    assert result.returncode == 1
    assert "--patient" in result.stderr
    assert "--all" in result.stderr


@pytest.fixture(scope="module")
def cohort_without_ctdna(tmp_path_factory, cli):
    """A simulated cohort folder whose measurements hold no ctDNA draws."""
    import pandas as pd

    folder = tmp_path_factory.mktemp("no_ctdna") / "cohort"
    result = cli("simulate", "--patients", "60", "--seed", "3", "--out", folder)
    assert result.returncode == 0, result.stderr
    measurements = pd.read_csv(folder / "measurements.csv")
    measurements[measurements["biomarker"] != "ctdna"].to_csv(folder / "measurements.csv",
                                                               index=False)
    return folder


def test_features_the_cohort_cannot_give_are_named_in_a_warning(registered,
                                                                cohort_without_ctdna, cli):
    from irpredict.data import load_cohort
    from irpredict.exceptions import MissingFeatureWarning
    from irpredict.training.publish import load_response_model

    folder, _, uri = registered
    model = load_response_model(MODEL, tracking_uri=uri)
    pattern = r"no value for \d+ of the \d+ features.*ctdna__"
    with pytest.warns(MissingFeatureWarning, match=pattern):
        X, _ = model.frame_from_cohort(load_cohort(cohort_without_ctdna))
    ctdna = X.filter(like="ctdna__")
    counts = [c for c in ctdna.columns if "__n_draws" in c]
    assert ctdna.drop(columns=counts).isna().all().all()
    assert (ctdna[counts] == 0).all().all()  # never drawn: 0 draws, as training counted them
    cohort = load_cohort(cohort_without_ctdna)
    one_class = cohort.patients["therapy_class"].iloc[0]
    from irpredict.monitoring.population import restrict_cohort

    single = restrict_cohort(cohort, cohort.patients.loc[
        cohort.patients["therapy_class"] == one_class, "patient_id"])
    with pytest.warns(MissingFeatureWarning, match="measured only in therapy classes this "
                                                   "cohort does not hold"):
        model.frame_from_cohort(single)

    pid = str(X.index[0])
    result = cli("explain", "--model", MODEL, "--data", cohort_without_ctdna, "--patient", pid,
                 "--tracking-uri", uri, cwd=folder)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^warning: cohort .* gives no value for \d+ of the \d+ features .*ctdna__",
                     result.stderr, re.MULTILINE), result.stderr
    assert "Traceback" not in result.stderr
    assert "UserWarning" not in result.stderr


def test_patient_file_names_never_collide_or_leave_the_folder():
    from irpredict.cli._explain import _safe

    ids = ["SIM-00001", "00008738", "a/b", "a?b", "a_b", "患者", "病人", "../../evil"]
    names = [_safe(pid) for pid in ids]
    assert names[:2] == ["SIM-00001", "00008738"]  # safe ids are kept as they are
    assert len(set(names)) == len(ids)
    assert all("/" not in n and not n.startswith(".") for n in names)


def test_a_value_in_the_wrong_unit_is_named_as_far_outside_the_training_range(registered, cli,
                                                                             tmp_path):
    import pandas as pd

    folder, _, uri = registered
    cohort = tmp_path / "cohort"
    assert cli("simulate", "--patients", "150", "--seed", "8", "--out", cohort).returncode == 0
    measurements = pd.read_csv(cohort / "measurements.csv", dtype={"patient_id": str})
    ctdna = (measurements["patient_id"] == "SIM-00003") & (
        measurements["biomarker"] == "ctdna")
    measurements.loc[ctdna, "value"] *= 1e4
    measurements.to_csv(cohort / "measurements.csv", index=False)
    args = ("explain", "--model", MODEL, "--data", cohort, "--tracking-uri", uri,
            "--out", tmp_path / "out")
    done = cli(*args, "--patient", "SIM-00003", cwd=folder)
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stderr.split())
    assert "1 patient has feature values far outside the training range" in text
    assert "SIM-00003: ctdna__" in text
    other = cli(*args, "--patient", "SIM-00004", cwd=folder)
    assert other.returncode == 0, other.stderr
    assert "far outside the training range" not in other.stderr


def test_text_in_a_number_column_is_named_with_its_table_and_patient(registered, cli,
                                                                       tmp_path):
    import pandas as pd

    folder, exp, uri = registered
    built = cli("features", exp, "--model", MODEL, "--tracking-uri", uri,
                "--out", tmp_path / "features.csv", cwd=folder)
    assert built.returncode == 0, built.stderr
    table = pd.read_csv(tmp_path / "features.csv", dtype={"patient_id": str})
    table["age"] = table["age"].astype(object)
    table.loc[2, "age"] = "abc"
    table.to_csv(tmp_path / "with_text.csv", index=False)
    done = cli("explain", "--model", MODEL, "--data", tmp_path / "with_text.csv",
               "--patient", table.loc[0, "patient_id"], "--tracking-uri", uri,
               "--out", tmp_path / "out", cwd=folder)
    assert done.returncode == 1
    text = " ".join(done.stderr.split())
    assert f"with_text.csv: column 'age' must be numeric; patients {table.loc[2, 'patient_id']} " \
        "hold abc" in text
    assert "unexpected" not in text
    assert not (tmp_path / "out").exists()


CALIBRATED = simulated_study(
    "calexpl", patients=300, seed=3, class_mix={"checkpoint_inhibitor": 1},
    feature_sets={"mixed": ["age", "ecog", "liver_mets", "ldh_uln", "measurements:*"]},
    calibration=["isotonic"], grids={"logistic": {"C": [0.1]}})


def test_a_calibrated_model_says_its_shap_values_are_before_calibration(tmp_path, cli):
    (tmp_path / "cal.toml").write_text(CALIBRATED)
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    assert cli("train", "cal.toml", "--tracking-uri", uri, cwd=tmp_path).returncode == 0
    result = cli("explain", "--model", "models:/calexpl@champion", "--tracking-uri", uri,
                 "--data", "cal.toml", "--patient", "SIM-00010", "--out", "ex", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    before = float(re.search(r"before calibration \(probability ([0-9.]+)\)", text).group(1))
    margin = float(re.search(r"model log-odds (-?[0-9.]+)", text).group(1))
    assert before == pytest.approx(1 / (1 + np.exp(-margin)), abs=1e-3)
    shown = float(re.search(r"probability of response ([0-9.]+)", text).group(1))
    assert f"calibration maps to {shown:.3f}" in text
    # the served model gives those log-odds beside the calibrated probability
    built = cli("features", "cal.toml", "--model", "models:/calexpl@champion", "--tracking-uri",
                uri, "--out", "features.csv", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    from irpredict.serving.pyfunc import predict_explained
    from irpredict.training.publish import load_response_model

    # (mlflow.set_tracking_uri would leak the store into later tests through the environment)
    model = load_response_model("models:/calexpl@champion", tracking_uri=uri)
    table = pd.read_csv(tmp_path / "features.csv", dtype={"patient_id": str})
    out = predict_explained(model, table)
    shap_sum = out.filter(like="shap__").sum(axis=1)
    np.testing.assert_allclose(out["base_value"] + shap_sum, out["explained_log_odds"], atol=1e-9)
    row = out[table["patient_id"].to_numpy() == "SIM-00010"].iloc[0]
    assert row["explained_log_odds"] == pytest.approx(margin, abs=1e-3)
    assert row["prob_response"] == pytest.approx(shown, abs=1e-3)


def test_all_refuses_to_write_over_its_own_input(registered, explained, cli, tmp_path):
    import shutil

    folder, _, uri = registered
    data = tmp_path / "explanations.csv"
    shutil.copy(explained[2] / "explanations.csv", data)
    before = data.read_bytes()
    result = cli("explain", "--model", MODEL, "--data", data, "--all", "--out", tmp_path,
                 "--tracking-uri", uri, cwd=folder)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "is an input of this command" in result.stderr
    assert data.read_bytes() == before
