"""A column name the plot font cannot draw is said once, in the tool's words."""

import numpy as np
import pandas as pd


def test_a_name_the_plot_font_cannot_draw_is_one_warning_line(cli, tmp_path):
    rng = np.random.default_rng(0)
    n = 90
    platelets = rng.normal(200, 50, n)
    pd.DataFrame({"patient_id": [f"P{i}" for i in range(n)], "therapy_class": "cytokine",
                  "血小板": platelets, "age": rng.normal(60, 10, n),
                  "response": (platelets + rng.normal(0, 50, n) > 200).astype(int)}).to_csv(
        tmp_path / "patients.csv", index=False)
    (tmp_path / "glyph.toml").write_text(
        '[study]\nname = "glyph"\n[data]\nfolder = "."\n[model]\nfamilies = ["logistic"]\n'
        'final_family = "logistic"\nn_bootstrap = 20\nouter_folds = 3\ninner_folds = 2\n')
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    assert cli("train", tmp_path / "glyph.toml", "--tracking-uri", uri,
               cwd=tmp_path).returncode == 0
    done = cli("explain", "-m", "models:/glyph@champion", "--tracking-uri", uri, "-d", tmp_path,
               "-p", "P1", "-o", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "UserWarning" not in done.stderr
    assert done.stderr.count("cannot be drawn well in the plots") == 1
    assert (tmp_path / "out" / "P1_waterfall.png").is_file()
