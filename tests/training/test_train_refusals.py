"""`irpredict train` refuses, before any run is opened, a study whose choices cannot work."""

import numpy as np
import pandas as pd
import pytest

EXPERIMENT = """
[study]
name = "refusals"

[data]
source = "table.csv"
id = "pid"
label = "resp"
therapy_class = "cytokine"

[feature_sets]
{sets}

[model]
families = ["logistic"]
outer_folds = 3
inner_folds = 2
n_bootstrap = 20
final_family = "logistic"
final_feature_set = "{final}"
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("refusals")
    rng = np.random.default_rng(0)
    n = 60
    pd.DataFrame({"pid": [f"{i:03d}" for i in range(n)], "resp": rng.integers(0, 2, n),
                  "age": rng.normal(60, 10, n).round(), "empty": np.nan,
                  "same": 1.0}).to_csv(folder / "table.csv", index=False)
    return folder


def _train(cli, folder, sets, final):
    (folder / "study.toml").write_text(EXPERIMENT.format(sets=sets, final=final))
    store = folder / "mlflow.db"
    store.unlink(missing_ok=True)
    result = cli("train", folder / "study.toml", "--tracking-uri", f"sqlite:///{store}",
                 cwd=folder)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    return " ".join(result.stderr.split())


def test_a_feature_set_of_empty_or_constant_columns_is_refused(cli, folder):
    text = _train(cli, folder, 'useless = ["empty", "same"]\nbase = ["age"]', "base")
    assert "feature set 'useless' has no feature that varies between patients" in text
    assert "(empty, same: each empty, or one value for everyone of a class" in text
    from irpredict.tracking import get_client

    client = get_client(f"sqlite:///{folder / 'mlflow.db'}")
    assert not client.search_registered_models()
    finished = [r for e in client.search_experiments()
                for r in client.search_runs([e.experiment_id]) if r.info.status == "FINISHED"]
    assert not finished


def test_an_unknown_final_feature_set_is_refused_before_the_data_are_read(cli, folder):
    text = _train(cli, folder, 'base = ["age"]', "bse")
    assert text.startswith(f"error: {folder / 'study.toml'} [model]: final_feature_set 'bse' "
                           "is not in [feature_sets] (['base']); did you mean 'base'?")


def test_a_feature_set_of_the_trial_arm_alone_is_refused(cli, tmp_path):
    rng = np.random.default_rng(1)
    n = 80
    arm = np.where(np.arange(n) % 2, "pembro", "chemo")
    pd.DataFrame({"pid": [f"{i:03d}" for i in range(n)], "resp": rng.integers(0, 2, n),
                  "arm": arm, "age": rng.normal(60, 10, n).round()}).to_csv(
        tmp_path / "table.csv", index=False)
    text = EXPERIMENT.format(sets='arm_only = ["arm"]\nbase = ["age", "arm"]', final="base")
    text = text.replace('therapy_class = "cytokine"',
                        '[data.therapy_rule]\ncolumn = "arm"\n'
                        'map = { pembro = "checkpoint_inhibitor", chemo = "chemotherapy" }')
    (tmp_path / "study.toml").write_text(text)
    result = cli("train", tmp_path / "study.toml", "--tracking-uri",
                 f"sqlite:///{tmp_path / 'mlflow.db'}", cwd=tmp_path)
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert "feature set 'arm_only' has no feature that varies between patients of a therapy " \
           "class (arm: each empty, or one value for everyone of a class, as a trial-arm " \
           "column is)" in message
