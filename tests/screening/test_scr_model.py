"""`irpredict screen --model`: a registered model scores an external cohort; in-sample refused."""

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

STUDY = """
[study]
name = "{name}"
description = "small simulated study"

[data]
simulate = {{ patients = {patients}, seed = {seed} }}
label = "response"

[data.columns]
exclude = ["response_definition"]

[feature_sets]
baseline = ["age", "ecog", "liver_mets", "her2_ihc", "er_status", "measurements:*"]

[model]
families = ["logistic"]
outer_folds = 3
inner_folds = 2
n_bootstrap = 20
feature_set_landmarks = {{ baseline = 0 }}
final_family = "logistic"
final_feature_set = "baseline"
"""


@pytest.fixture(scope="module")
def registered(tmp_path_factory):
    from tests.conftest import run_cli

    folder = tmp_path_factory.mktemp("screen_model")
    (folder / "small.toml").write_text(STUDY.format(name="small", patients=300, seed=3))
    (folder / "external.toml").write_text(STUDY.format(name="external", patients=200, seed=11))
    uri = f"sqlite:///{folder}/mlflow.db"
    result = run_cli("train", folder / "small.toml", "--tracking-uri", uri, cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder, uri


def test_model_scores_external_cohort(cli, registered):
    folder, uri = registered
    out = folder / "out"
    res = cli("screen", folder / "external.toml", "--model", "models:/small@champion",
              "--tracking-uri", uri, "--thresholds", "0.2,0.4", "--p0", "0.2",
              "--n-bootstrap", "20", "--out", out, cwd=folder)
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(out / "screening.csv")
    frac = table[(table["metric"] == "eligible_fraction") & (table["therapy_class"] == "all")]
    fractions = frac.set_index("rule")["estimate"]
    assert fractions["(no screening)"] == 1
    assert 0 <= fractions["prob_response >= 0.4"] <= fractions["prob_response >= 0.2"] <= 1


def test_model_on_its_own_study_is_refused(cli, registered):
    folder, uri = registered
    res = cli("screen", folder / "small.toml", "--model", "models:/small@champion",
              "--tracking-uri", uri, "--thresholds", "0.3", "--p0", "0.2",
              "--out", folder / "o2", cwd=folder)
    assert res.returncode == 1
    assert "in-sample, not out-of-fold" in res.stderr
