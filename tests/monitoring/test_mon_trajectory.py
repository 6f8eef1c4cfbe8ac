"""Patient trajectories: landmarks reached, population membership, probabilities equal to
the landmark models' own predictions, and what changed between landmarks."""

from dataclasses import replace

import numpy as np
import pytest

from irpredict.exceptions import CohortDataError
from irpredict.monitoring import landmark_population, monitor_cohort, monitor_patient


@pytest.fixture(scope="module")
def trajectories(small_models, small_cohort):
    return monitor_cohort(small_models, small_cohort)


def test_scored_probabilities_equal_each_landmark_models_predictions(
        trajectories, small_models, small_cohort):
    table = trajectories.table
    for day in small_models.landmarks:
        expected = small_models.predict_proba(small_cohort, day)
        scored = table[(table["landmark"] == day) & (table["status"] == "scored")]
        assert len(scored) > 0
        np.testing.assert_allclose(scored["prob_response"].to_numpy(),
                                   expected.loc[scored["patient_id"]].to_numpy(), rtol=1e-12)


def test_early_progressors_are_shown_outside_the_population_and_not_scored(
        trajectories, small_cohort):
    pop = landmark_population(small_cohort, 63)
    left_out = pop.index[~pop["in_population"]]
    progressed = pop.index[pop["first_pd_day"] <= 63]
    stopped = left_out.difference(progressed)  # early clinical progression or death
    assert len(progressed) > 0
    assert len(stopped) > 0
    rows = trajectories.table.set_index(["patient_id", "landmark"])
    rows = rows.loc[[(p, 63.0) for p in left_out]].droplevel("landmark")
    assert (rows["in_population"] == False).all()  # noqa: E712 - object column with NA
    assert rows["prob_response"].isna().all()
    assert rows.loc[progressed, "status"].str.startswith(
        "not in population: progressed (RECIST PD) on day").all()
    assert rows.loc[stopped, "status"].str.startswith(
        "not in population: off treatment since day").all()


def test_a_patient_whose_data_stop_early_shows_only_the_landmarks_reached(
        small_models, small_cohort):
    pid = str(small_cohort.patients["patient_id"].iloc[0])
    patients = small_cohort.patients.copy()
    patients.loc[patients["patient_id"] == pid, "off_treatment_day"] = np.nan  # not known yet
    cut = replace(small_cohort, patients=patients,
                  measurements=small_cohort.measurements[
                      (small_cohort.measurements["patient_id"] != pid)
                      | (small_cohort.measurements["day"] <= 30)],
                  tumor_assessments=small_cohort.tumor_assessments[
                      (small_cohort.tumor_assessments["patient_id"] != pid)
                      | (small_cohort.tumor_assessments["day"] <= 0)])
    table = monitor_patient(small_models, cut, pid).table.set_index("landmark")
    assert table.loc[[0.0, 21.0], "reached"].all()
    assert not table.loc[[42.0, 63.0], "reached"].any()
    assert table.loc[[42.0, 63.0], "prob_response"].isna().all()
    assert table.loc[42.0, "status"].startswith("not reached (data end on day")


def test_as_of_day_limits_the_landmarks_reached(small_models, small_cohort):
    pid = str(small_cohort.patients["patient_id"].iloc[3])
    table = monitor_patient(small_models, small_cohort, pid, as_of=21).table
    assert table.loc[table["reached"], "landmark"].tolist() == [0.0, 21.0]


def test_what_changed_ranks_the_largest_shap_moves(trajectories):
    pid = trajectories.table.loc[trajectories.table["status"] == "scored", "patient_id"].iloc[0]
    one = trajectories.for_patient(pid)
    wide = one.shap.pivot(index="landmark", columns="biomarker", values="shap")
    changed = one.what_changed(top=2)
    first = changed[changed["landmark"] == changed["landmark"].min()]
    prev, day = first["from_landmark"].iloc[0], first["landmark"].iloc[0]
    moves = (wide.loc[day] - wide.loc[prev])
    expected = moves.abs().sort_values(ascending=False, kind="stable").index[:2].tolist()
    assert sorted(first["biomarker"]) == sorted(expected)
    np.testing.assert_allclose(first.set_index("biomarker")["delta_shap"].loc[expected],
                               moves.loc[expected])
    assert one.table["prob_change"].notna().sum() == (one.table["status"] == "scored").sum() - 1


def test_moves_with_a_result_dated_between_the_landmarks_are_marked_new(trajectories,
                                                                         small_cohort):
    changed = trajectories.what_changed(top=3)
    m = small_cohort.measurements.assign(patient_id=small_cohort.measurements["patient_id"]
                                         .astype(str))
    for row in changed.sample(40, random_state=0).itertuples():
        days = m.loc[(m["patient_id"] == row.patient_id) & (m["biomarker"] == row.biomarker),
                     "day"]
        expected = bool(((days > row.from_landmark) & (days <= row.landmark)).any())
        assert row.new_result == expected, row
    assert changed["new_result"].any()
    assert not changed["new_result"].all()  # baseline variables move with the model only
    text = trajectories.movers_text(3)
    marked = changed[changed["new_result"]].iloc[0]
    assert f"{marked.biomarker} " in text[(marked.patient_id, marked.landmark)]
    assert "(new result: " in text[(marked.patient_id, marked.landmark)]


def test_base_value_and_shap_values_add_up_to_the_log_odds(trajectories):
    table = trajectories.table
    scored = table[table["status"] == "scored"].set_index(["patient_id", "landmark"])
    shap_sum = trajectories.shap.groupby(["patient_id", "landmark"])["shap"].sum()
    log_odds = np.log(scored["prob_response"] / (1 - scored["prob_response"]))
    np.testing.assert_allclose(scored["base_value"] + shap_sum.loc[scored.index], log_odds,
                               atol=1e-4)
    assert table.loc[table["status"] != "scored", "base_value"].isna().all()


def test_unknown_patient_names_the_id_and_close_matches(small_models, small_cohort):
    with pytest.raises(CohortDataError, match=r"patient 'SIM-0003' is not in .*close matches: "
                                              r"SIM-000\d\d, "):
        monitor_patient(small_models, small_cohort, "SIM-0003")


def test_trajectory_plot_draws_one_point_per_scored_landmark(trajectories):
    from irpredict.monitoring.plots import plot_trajectory

    pid = trajectories.patients[0]
    one = trajectories.for_patient(pid)
    fig = plot_trajectory(one)
    line = fig.axes[0].lines[0]
    assert len(line.get_xdata()) == (one.table["status"] == "scored").sum()


def test_a_pasted_id_with_spaces_finds_its_patient(small_models, small_cohort):
    pid = str(small_cohort.patients["patient_id"].iloc[3])
    padded = monitor_patient(small_models, small_cohort, f" {pid} ")
    assert set(padded.table["patient_id"]) == {pid}
    with pytest.raises(CohortDataError, match="close matches"):
        monitor_patient(small_models, small_cohort, pid[:-1])


@pytest.mark.parametrize("days", [None, {0.0: 0.0, 21.0: 5.0, 42.0: 10.0, 63.0: 63.0}])
def test_what_changed_labels_do_not_overlap(trajectories, days):
    from irpredict.monitoring.plots import plot_trajectory

    scored = trajectories.table[trajectories.table["status"] == "scored"]
    per_patient = scored.groupby("patient_id").size()
    one = trajectories.for_patient(per_patient.idxmax())
    if days is not None:  # landmarks crowded together on the day axis
        one = replace(one, table=one.table.assign(landmark=one.table["landmark"].map(days)),
                      shap=one.shap.assign(landmark=one.shap["landmark"].map(days),
                                           from_landmark=one.shap["from_landmark"].map(days)),
                      observed=None)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = plot_trajectory(one)
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    boxes = [t.get_bbox_patch().get_window_extent(renderer) for t in fig.axes[1].texts[1:]]
    assert len(boxes) >= 2
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)
        assert fig.bbox.y0 <= a.y0
        assert a.y1 <= fig.axes[0].get_window_extent(renderer).y0
    written = " ".join(t.get_text() for t in fig.axes[1].texts)
    shifts = one.movers_text(top=3)
    assert all(("model baseline" in text) <= ("model baseline" in written) for text in shifts)


def test_landmarks_left_after_progression_are_labelled_once_with_the_reason(trajectories):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from irpredict.monitoring.plots import plot_trajectory

    one = trajectories.for_patient(trajectories.patients[0])
    table = one.table.sort_values("landmark").reset_index(drop=True)
    later = table.index[1:]  # progressed before the second landmark
    table.loc[later, "status"] = "not in population: progressed (RECIST PD) on day 18"
    table.loc[later, "in_population"] = False
    table.loc[later, "prob_response"] = np.nan
    fig = plot_trajectory(replace(one, table=table, observed=None))
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    labels = [t for t in fig.axes[0].texts if "progressed" in t.get_text()]
    assert len(later) >= 2
    assert [t.get_text() for t in labels] == ["progressed (RECIST PD) on day 18"]


def test_a_move_that_rounds_to_zero_is_no_mover():
    import pandas as pd

    from irpredict.monitoring.trajectory import MIN_MOVE, Trajectory

    shap = pd.DataFrame({"patient_id": "a", "from_landmark": 0.0, "landmark": 21.0,
                         "biomarker": ["age", "albumin", "ctdna"], "shap": [0.1, 0.2, -0.5],
                         "delta_shap": [0.0, MIN_MOVE / 2, -0.4]})
    table = pd.DataFrame({"patient_id": ["a"], "landmark": [21.0], "status": ["scored"]})
    changed = Trajectory(table=table, shap=shap).what_changed(top=3)
    assert changed["biomarker"].tolist() == ["ctdna"]


def test_a_mover_the_patient_has_no_result_of_is_said_imputed():
    import pandas as pd

    from irpredict.monitoring.trajectory import Trajectory

    shap = pd.DataFrame({"patient_id": "a", "from_landmark": 0.0, "landmark": 42.0,
                         "biomarker": ["ctdna", "crp", "age"], "shap": [-2.4, 0.3, 0.2],
                         "delta_shap": [-2.4, 0.3, 0.2]})
    table = pd.DataFrame({"patient_id": ["a"], "landmark": [42.0], "status": ["scored"]})
    observed = pd.DataFrame({"patient_id": ["a", "a", "a"], "biomarker": ["crp", "crp", "ctdna"],
                             "day": [-3.0, 40.0, 60.0],  # ctDNA only after the landmark
                             "value": [12.0, 4.5, 30.0]})
    trajectory = Trajectory(table=table, shap=shap, observed=observed, series=("crp", "ctdna"))
    changed = trajectory.what_changed(top=3).set_index("biomarker")
    assert changed["imputed"].to_dict() == {"ctdna": True, "crp": False, "age": False}
    text = trajectory.movers_text(3)[("a", 42.0)]
    assert "ctdna ↓ -2.40 (no value: imputed)" in text
    # the lab value's own direction (CRP fell) beside the SHAP arrow (its contribution rose)
    assert "crp ↑ +0.30 (new result: 12 → 4.5)" in text


def test_many_landmarks_list_their_movers_inside_the_figure_without_overlap():
    import pandas as pd
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from irpredict.monitoring.plots import MAX_MOVER_COLUMNS, plot_trajectory
    from irpredict.monitoring.trajectory import Trajectory

    days = [7.0 * k for k in range(13)]
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"patient_id": "p1", "therapy_class": "checkpoint_inhibitor",
                          "landmark": days, "reached": True, "in_population": True,
                          "status": "scored", "prob_response": rng.uniform(0.1, 0.9, 13)})
    shap = pd.DataFrame([{"patient_id": "p1", "from_landmark": days[k - 1] if k else np.nan,
                          "landmark": day, "biomarker": name, "shap": rng.normal(),
                          "delta_shap": rng.normal() if k else np.nan}
                         for k, day in enumerate(days)
                         for name in ("ctdna_change_from_baseline", "neutrophil_lymphocyte",
                                      "albumin", "ldh_uln_ratio")])
    fig = plot_trajectory(Trajectory(table=table, shap=shap), top=3)
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    texts = fig.axes[1].texts
    assert len(days) - 1 > MAX_MOVER_COLUMNS
    written = " ".join(t.get_text() for t in texts)
    assert all(f"day {d:g}:" in written for d in days[1:])
    boxes = [t.get_window_extent(renderer) for t in texts]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)
    figure_box = fig.bbox
    for box in boxes:
        assert figure_box.x0 <= box.x0
        assert box.x1 <= figure_box.x1
        assert figure_box.y0 <= box.y0
        assert box.y1 <= figure_box.y1
    chart = fig.axes[0].get_window_extent(renderer)
    assert all(box.y1 <= chart.y0 for box in boxes)


def test_the_landmark_models_own_baseline_shift_is_named_so_the_move_adds_up(trajectories):
    import numpy as np

    table = trajectories.table
    scored = table[table["status"] == "scored"].sort_values(["patient_id", "landmark"])
    shift = scored.groupby("patient_id")["base_value"].diff()
    row = scored.loc[shift.abs().idxmax()]
    text = trajectories.movers_text(50)[(row["patient_id"], row["landmark"])]
    named = float(text.rsplit("model baseline", 1)[1].split()[1])
    assert named == round(shift.abs().max() * np.sign(shift.loc[shift.abs().idxmax()]), 2)
    # base-value shift plus every biomarker's SHAP move is the whole move in log-odds
    shap = trajectories.shap
    moves = shap[(shap["patient_id"] == row["patient_id"]) & (shap["landmark"] == row["landmark"])]
    before = scored[(scored["patient_id"] == row["patient_id"])
                    & (scored["landmark"] < row["landmark"])].iloc[-1]

    def logit(p):
        return np.log(p / (1 - p))

    np.testing.assert_allclose(
        shift.loc[shift.abs().idxmax()] + moves["delta_shap"].sum(),
        logit(row["prob_response"]) - logit(before["prob_response"]), atol=1e-6)
    assert "model baseline" not in trajectories.movers_text(50, baseline=False).iloc[0]


def test_a_landmark_scored_far_outside_the_training_range_is_marked(small_models, small_cohort):
    import warnings

    from irpredict.monitoring.plots import plot_trajectory

    m = small_cohort.measurements
    pid = str(m.loc[(m["biomarker"] == "ctdna") & (m["day"].between(1, 21)), "patient_id"]
              .iloc[0])
    wrong = (m["patient_id"].astype(str) == pid) & (m["biomarker"] == "ctdna") & (m["day"] > 0)
    cohort = replace(small_cohort, measurements=m.assign(
        value=m["value"].where(~wrong, m["value"] * 1e4)))  # a unit error on treatment only
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = monitor_patient(small_models, cohort, pid)
    table = one.table.set_index("landmark")
    assert table.at[0.0, "far_outside_training"] == ""  # the baseline draw is untouched
    assert "ctdna__" in table.at[21.0, "far_outside_training"]
    fig = plot_trajectory(one)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert "extrapolated: a value far outside the training range" in labels
    rings = [c for c in fig.axes[0].collections if c.get_label().startswith("extrapolated")]
    marked = rings[0].get_offsets()[:, 0]
    assert 21.0 in marked
    assert 0.0 not in marked


def test_results_written_in_capitals_are_marked_as_their_lower_case_selves(
        small_models, small_cohort, trajectories):
    import warnings

    m = small_cohort.measurements
    shouted = replace(small_cohort, measurements=m.assign(
        biomarker=m["biomarker"].replace({"ctdna": "CTDNA", "crp": "Crp"})))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # read under the training names, said once per landmark
        again = monitor_cohort(small_models, shouted)
    import pandas as pd

    pd.testing.assert_series_equal(again.movers_text(3), trajectories.movers_text(3))


def test_a_count_explained_under_its_ratio_marks_the_ratio_new():
    import pandas as pd

    from irpredict.monitoring.observed import as_explained
    from irpredict.monitoring.trajectory import Trajectory

    observed = pd.DataFrame({"patient_id": ["p"] * 3, "biomarker": ["alc", "alc", "ldh"],
                             "day": [-2.0, 30.0, 30.0], "value": [1.5, 0.5, 200.0]})
    table = pd.DataFrame({"patient_id": ["p", "p"], "therapy_class": ["cytokine"] * 2,
                          "landmark": [0.0, 42.0], "status": ["scored"] * 2,
                          "prob_response": [0.5, 0.4], "base_value": [0.0, 0.0]})
    shap = pd.DataFrame({"patient_id": ["p", "p"], "landmark": [0.0, 42.0],
                         "biomarker": ["nlr", "nlr"], "shap": [0.1, -0.4],
                         "delta_shap": [np.nan, -0.5], "from_landmark": [np.nan, 0.0]})
    seen = as_explained(observed, ("alc", "ldh"))
    assert set(seen.loc[seen["biomarker"] == "nlr", "day"]) == {-2.0, 30.0}
    one = Trajectory(table=table, shap=shap, observed=seen, series=("alc", "ldh"))
    text = one.movers_text(3)[("p", 42.0)]
    assert text.startswith("nlr ↓ -0.50 (new result)"), text
