"""Plots show biomarker names and save non-empty PNGs."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from irpredict.exceptions import CohortDataError
from irpredict.explain import explain, global_importance
from irpredict.explain.plots import (
    plot_beeswarm,
    plot_dependence,
    plot_importance,
    plot_waterfall,
)
from irpredict.models import PerTherapyClassifier, make_model


@pytest.fixture(scope="module")
def explained(frame):
    X, y = frame
    model = PerTherapyClassifier(make_model("xgboost"), min_patients=60).fit(X, y)
    return explain(model, X)


def _ticks(ax):
    return [t.get_text() for t in ax.get_yticklabels()]


def _saved(fig, path):
    fig.savefig(path)
    assert path.stat().st_size > 1000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_importance_bar_per_therapy_class(explained, tmp_path):
    table = global_importance(explained)
    expected = table[(table.therapy_class == "cytokine") & (table.mean_abs_shap > 0)]
    fig = plot_importance(explained, "cytokine", top=3)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert _ticks(ax) == list(expected.biomarker[:3])  # most important at the top
    assert "SHAP" in ax.get_xlabel()
    assert "cytokine" in ax.get_title()
    _saved(fig, tmp_path / "importance.png")


def test_beeswarm_rows_are_biomarkers(explained, tmp_path):
    fig = plot_beeswarm(explained, "checkpoint_inhibitor")
    (ax,) = fig.axes
    ticks = _ticks(ax)
    assert set(ticks) <= set(explained.biomarkers)
    assert "therapy_class" not in ticks  # unused by a per-class model
    assert ax.get_xlabel() == "SHAP value (log-odds of response)"
    _saved(fig, tmp_path / "beeswarm.png")


def test_dependence_for_top_drivers(explained, tmp_path):
    table = global_importance(explained)
    top = list(table[table.therapy_class == "checkpoint_inhibitor"].biomarker[:3])
    fig = plot_dependence(explained, therapy_class="checkpoint_inhibitor", top=3)
    assert len(fig.axes) == 3
    for ax, name in zip(fig.axes, top, strict=True):
        assert ax.get_xlabel().split(" ")[0] == name
        assert ax.get_ylabel() == f"SHAP for {name} (log-odds)"
    cat = plot_dependence(explained, ["pam50"])
    labels = [t.get_text() for t in cat.axes[0].get_xticklabels()]
    assert labels == ["Basal", "Her2", "LumA", "LumB"]
    _saved(fig, tmp_path / "dependence.png")


def test_waterfall_labels_patient_values(explained, tmp_path):
    pid = "P0003"
    fig = plot_waterfall(explained, pid, max_display=3)
    (ax,) = fig.axes
    ticks = _ticks(ax)
    assert len(ticks) == 4
    assert ticks[0].endswith("other biomarkers")
    row = explained.values.loc[pid]
    biggest = row.abs().sort_values(ascending=False).index[0]
    column = explained.shown_columns.get(biggest, biggest)
    # a derived feature's value is labelled with its column (crp: crp__log2fc_d42 = -0.5)
    assert ticks[-1].startswith(f"{biggest} = " if column == biggest
                                else f"{biggest}: {column} = ")
    crp = plot_waterfall(explained, pid, max_display=len(row))
    assert any(t.startswith(f"crp: {explained.shown_columns['crp']} = ")
               for t in _ticks(crp.axes[0]))
    assert explained.shown_columns["crp"] != "crp"
    margin = explained.margin.loc[pid]
    assert f"{margin:.2f}" in ax.get_xlabel()
    assert ax.get_xlabel().startswith("log-odds of response (base")
    _saved(fig, tmp_path / "waterfall.png")


def test_a_calibrated_models_waterfall_says_its_log_odds_are_before_calibration(explained):
    from dataclasses import replace

    pid = "P0003"
    calibrated = replace(explained, prob=explained.prob * 0.5 + 0.25)  # a monotone map
    label = plot_waterfall(calibrated, pid).axes[0].get_xlabel()
    assert label.startswith("log-odds of response before calibration (base")
    assert label.endswith(f"calibrated p = {calibrated.prob.loc[pid]:.2f})")


def test_plot_errors_name_the_problem(explained):
    with pytest.raises(CohortDataError, match="adoptive_cell"):
        plot_importance(explained, "adoptive_cell")
    with pytest.raises(CohortDataError, match="nope"):
        plot_waterfall(explained, "nope")
    with pytest.raises(CohortDataError, match=r"\['ki67'\]"):
        plot_dependence(explained, ["ki67"])
    assert np.isfinite(explained.values.to_numpy()).all()


def test_to_shap_keeps_values_and_names(explained):
    sx = explained.to_shap("cytokine")
    rows = (explained.therapy_class == "cytokine").to_numpy()
    assert sx.feature_names == explained.biomarkers
    np.testing.assert_array_equal(sx.values, explained.values.to_numpy()[rows])
    np.testing.assert_allclose(sx.values.sum(axis=1) + sx.base_values,
                               explained.margin.to_numpy()[rows], atol=1e-5)
    assert sx.data.shape == sx.values.shape
