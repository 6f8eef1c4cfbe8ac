"""`irpredict export` and the committed reference model in models/reference."""

import numpy as np
import pytest


def _check_explained(out):
    assert {"prob_response", "therapy_class", "base_value"} <= set(out.columns)
    shap = out[[c for c in out.columns if c.startswith("shap__")]]
    assert shap.shape[1] > 3
    logit = np.log(out["prob_response"] / (1 - out["prob_response"]))
    np.testing.assert_allclose(shap.sum(axis=1) + out["base_value"], logit, atol=1e-5)


def test_committed_reference_model_loads_and_explains(repo_root):
    import mlflow

    folder = repo_root / "models" / "reference"
    assert (folder / "MODEL_CARD.md").is_file()
    model = mlflow.pyfunc.load_model(str(folder))
    _check_explained(model.predict(model.input_example))


def test_loading_for_serving_warns_about_nothing_the_user_sent(repo_root):
    import warnings

    from irpredict.serving.app import load_served_model

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        served = load_served_model(str(repo_root / "models" / "reference"))
    assert served.compiled_ is not None
    # the all-missing probe that checks the compiled path is not the user's input
    assert not [w for w in caught if "level" in str(w.message)], [str(w.message) for w in caught]


def test_export_writes_a_servable_folder_with_a_model_card(trained_model, cli, tmp_path):
    import mlflow

    folder, uri = trained_model
    out = tmp_path / "exported"
    result = cli("export", "--model", "models:/srv@champion", "--out", out,
                 "--tracking-uri", uri, cwd=folder)
    assert result.returncode == 0, result.stderr
    card = (out / "MODEL_CARD.md").read_text()
    assert "Model card: srv" in card
    import re

    # per class: AUC, calibration slope and Brier, each with its interval
    assert re.search(r"- overall: AUC 0\.\d{3} \[0\.\d{3}-[01]\.\d{3}\], calibration slope "
                     r"-?\d+\.\d\d \[.+\], Brier 0\.\d{3} \[0\.\d{3}-0\.\d{3}\]", card)
    model = mlflow.pyfunc.load_model(str(out))
    _check_explained(model.predict(model.input_example))
    again = cli("export", "--model", "models:/srv@champion", "--out", out,
                "--tracking-uri", uri, cwd=folder)
    assert again.returncode == 1
    assert "exists" in again.stderr
    assert "Traceback" not in again.stderr


# Run in a fresh interpreter where the installed irpredict cannot be imported: only a copy
# inside the model folder (which MLflow puts on sys.path when it loads the model) can be.
_WITHOUT_INSTALLED_IRPREDICT = """
import importlib.machinery, sys
folder = sys.argv[1]

class OnlyInsideTheModelFolder:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] != "irpredict":
            return None
        if path is None:
            path = [p for p in sys.path if p.startswith(folder)]
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return spec

sys.meta_path.insert(0, OnlyInsideTheModelFolder())
try:
    import irpredict
except ModuleNotFoundError:
    pass
else:
    raise SystemExit("irpredict was importable before loading the model")
import mlflow
model = mlflow.pyfunc.load_model(folder)
out = model.predict(model.input_example)
import irpredict
assert irpredict.__file__.startswith(folder), irpredict.__file__
print(out.shape[0], out["prob_response"].between(0, 1).all())
"""


def test_an_exported_folder_loads_where_irpredict_is_not_installed(trained_model, cli,
                                                                    tmp_path):
    import subprocess
    import sys

    folder, uri = trained_model
    out = tmp_path / "exported"
    result = cli("export", "--model", "models:/srv@champion", "--out", out,
                 "--tracking-uri", uri, cwd=folder)
    assert result.returncode == 0, result.stderr
    requirements = (out / "requirements.txt").read_text().split()
    names = {line.split("==")[0] for line in requirements}
    assert {"scikit-learn", "xgboost", "pandas", "shap", "mlflow", "pandera"} <= names
    assert not any("irpredict" in line for line in requirements)
    assert not list(out.rglob("*.pyc"))
    assert "loads it where irpredict is not installed" in (out / "MODEL_CARD.md").read_text()
    loaded = subprocess.run([sys.executable, "-c", _WITHOUT_INSTALLED_IRPREDICT, str(out)],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == ["5", "True"]


@pytest.mark.parametrize("model", ["models:/nope@champion", "no/such/folder"])
def test_export_of_unknown_model_is_a_clear_error(model, trained_model, cli, tmp_path):
    folder, uri = trained_model
    result = cli("export", "--model", model, "--out", tmp_path / "x", "--tracking-uri", uri,
                 cwd=folder)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x").exists()


def test_force_replaces_an_earlier_export_only(trained_model, cli, tmp_path):
    folder, uri = trained_model
    export = ("export", "--model", "models:/srv@champion", "--tracking-uri", uri)
    earlier = tmp_path / "earlier"
    assert cli(*export, "--out", earlier, cwd=folder).returncode == 0
    (earlier / "metadata").mkdir()  # what an export of another MLflow version may hold
    (earlier / "notes").mkdir()  # what no export writes: someone's own files
    (earlier / "notes" / "patients.csv").write_text("id\nP1\n")
    result = cli(*export, "--out", earlier, "--force", cwd=folder)
    assert result.returncode == 1
    assert "also holds notes/, which no export writes; --force would delete them" in " ".join(
        result.stderr.split())
    assert (earlier / "notes" / "patients.csv").read_text() == "id\nP1\n"
    (earlier / "notes" / "patients.csv").unlink()
    (earlier / "notes").rmdir()
    result = cli(*export, "--out", earlier, "--force", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert (earlier / "MLmodel").is_file()
    assert not (earlier / "metadata").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli(*export, "--out", empty, cwd=folder)  # a folder made for it: no --force
    assert result.returncode == 0, result.stderr
    assert (empty / "MLmodel").is_file()

    a_file = tmp_path / "model.txt"
    a_file.write_text("not a model")
    result = cli(*export, "--out", a_file, cwd=folder)
    assert result.returncode == 1
    assert "is a file, not an earlier export; export into a new folder" in " ".join(
        result.stderr.split())
    assert a_file.read_text() == "not a model"

    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "notes.txt").write_text("keep me")
    for out, cwd in ((project, folder), (".", project), (tmp_path, project)):
        result = cli(*export, "--out", out, "--force", cwd=cwd)
        assert result.returncode == 1, out
        assert "Traceback" not in result.stderr
        assert "will not delete" in result.stderr or "current folder" in result.stderr
        assert (project / "notes.txt").read_text() == "keep me"
        assert (project / "data").is_dir()


@pytest.mark.parametrize("target", ["model", "model/inside", "."])
def test_a_model_folder_is_never_exported_into_itself(repo_root, cli, tmp_path, target):
    import shutil

    model = tmp_path / "model"
    shutil.copytree(repo_root / "models" / "reference", model)
    before = sorted(p.relative_to(model) for p in model.rglob("*"))
    result = cli("export", "--model", "./model/", "--out", target, "--force", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "the model folder being exported" in result.stderr
    assert sorted(p.relative_to(model) for p in model.rglob("*")) == before
    assert not (tmp_path / "mlruns").exists()  # a local model folder needs no tracking store


@pytest.mark.parametrize("command", [
    ("serve", "--model", "models:/srv@champion", "--port", "5987"),
    ("export", "--model", "models:/srv@champion", "--out", "exported"),
])
def test_a_mistyped_store_is_an_error_not_a_new_store(cli, tmp_path, command):
    result = cli(*command, "--tracking-uri", "sqlite:///nodir/mlflow.db", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "no MLflow store at" in result.stderr
    assert "nodir/mlflow.db" in result.stderr
    assert list(tmp_path.iterdir()) == []  # neither the folder nor an empty store was created


def test_a_card_exported_from_the_training_run_id_keeps_its_performance(trained_model, cli,
                                                                        tmp_path):
    from mlflow import MlflowClient

    folder, uri = trained_model
    version = MlflowClient(tracking_uri=uri).get_model_version_by_alias("srv", "champion")
    run_id = version.tags.get("run_id") or version.run_id
    result = cli("export", "--model", run_id, "--out", tmp_path / "from_run",
                 "--tracking-uri", uri, cwd=folder)
    assert result.returncode == 0, result.stderr
    card = (tmp_path / "from_run" / "MODEL_CARD.md").read_text()
    assert f"from the training run {run_id}" in card
    assert "AUC" in card
    assert "Not recorded for this source" not in card


def test_a_model_folder_exports_flat_and_loads(repo_root, cli, tmp_path):
    import mlflow

    result = cli("export", "--model", repo_root / "models" / "reference", "--out",
                 tmp_path / "copy", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "copy" / "MLmodel").is_file()  # not copy/reference/MLmodel
    card = (tmp_path / "copy" / "MODEL_CARD.md").read_text()
    source = (repo_root / "models" / "reference" / "MODEL_CARD.md").read_text()
    # the performance section (and its run) travel with a re-export
    section = source[source.index("## Performance"):source.index("## Use")]
    assert section in card
    assert "See the card of the exported folder" not in card
    assert "Trained on the cohort of study `reference` only" in card
    assert "not calibrated after training" in card
    model = mlflow.pyfunc.load_model(str(tmp_path / "copy"))
    _check_explained(model.predict(model.input_example))


@pytest.mark.parametrize("damage", ["truncated", "empty", "random"])
def test_a_damaged_model_file_is_named_not_aborted(repo_root, cli, tmp_path, damage):
    import shutil

    model = tmp_path / "model"
    shutil.copytree(repo_root / "models" / "reference", model)
    fitted = model / "artifacts" / "response_model.joblib"
    data = fitted.read_bytes()
    fitted.write_bytes({"truncated": data[:3000], "empty": b"",
                        "random": bytes(range(256)) * 20}[damage])
    commands = [("serve", "--model", model, "--port", "5988")]
    if damage == "truncated":
        commands.append(("export", "--model", model, "--out", tmp_path / "exported"))
    for command in commands:
        result = cli(*command, cwd=tmp_path)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert "Aborted" not in result.stderr
        assert f"the model file {fitted} is damaged" in " ".join(result.stderr.split())
        assert not (tmp_path / "exported").exists()


def test_a_model_naming_code_that_cannot_be_imported_is_named(repo_root, cli, tmp_path):
    import shutil

    model = tmp_path / "model"
    shutil.copytree(repo_root / "models" / "reference", model)
    spec = (model / "MLmodel").read_text()
    (model / "MLmodel").write_text(spec.replace("mlflow.pyfunc.loaders.code_model",
                                                "no_such_loader"))
    for command in (("serve", "--model", model, "--port", "5987"),
                    ("explain", "--model", model, "-d", repo_root / "experiments" /
                     "reference.toml", "-p", "SIM-00001"),
                    ("monitor", "--model", model, "-d", repo_root / "experiments" /
                     "reference.toml", "-p", "SIM-00001")):
        result = cli(*command, cwd=tmp_path)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert "unexpected" not in result.stderr
        assert f"model {model} cannot be loaded: No module named 'no_such_loader'" in " ".join(
            result.stderr.split())
