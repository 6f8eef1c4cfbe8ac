"""TRIPOD+AI items: filled from what a run recorded, "not recorded" otherwise."""

import pandas as pd

from irpredict.report import NOT_RECORDED, tripod_items
from irpredict.report._analysis import CohortAnalysis
from irpredict.report._collect import RunRecord, _tidy_metrics

TOML = """
[study]
name = "demo"
reference = "Someone et al. 2024"

[data]
source = "cohort.csv"
label = "orr"
label_map = { "CR/PR" = 1, "SD/PD" = 0 }

[feature_sets]
clinical = ["age", "pdl1"]
extended = ["age", "pdl1", "tmb"]
"""


def _child():
    metrics = _tidy_metrics({"auc__overall": 0.7, "auc_ci_low__overall": 0.6,
                             "auc_ci_high__overall": 0.8, "calibration_slope__overall": 0.9,
                             "n_patients__overall": 50.0})
    params = {"landmark_days": "0.0", "outer_folds": "5", "inner_folds": "3", "repeats": "2",
              "calibration": "none", "min_patients": "30", "min_responders": "8",
              "grouped_by_site": "False"}
    return {"name": "clinical/logistic", "feature_set": "clinical", "family": "logistic",
            "run_id": "c" * 32, "params": params, "metrics": metrics, "figures": {}}


def test_empty_run_marks_every_item_not_recorded():
    items = tripod_items(RunRecord(run_id="r", study="demo", params={}, tags={}))
    assert [it["item"] for it in items] == list(range(1, len(items) + 1))
    unrecorded = {it["topic"] for it in items if not it["recorded"]}
    assert all(it["text"] == NOT_RECORDED for it in items if not it["recorded"])
    assert {"Source of data (and dates)", "Outcome definition and timing", "Sample size",
            "Internal validation", "Model availability"} <= unrecorded
    # limitations are always stated
    assert "Limitations and generalisability" not in unrecorded


def test_recorded_run_fills_items_from_toml_fingerprint_and_children():
    record = RunRecord(
        run_id="r" * 32, study="demo", params={"final_model": "clinical/logistic"}, tags={},
        children=[_child()], experiment_toml=TOML, model_uri="models:/demo/1",
        fingerprint={"n_patients": 50, "n_responders": 12, "sha256": "ab" * 32,
                     "patients": {"checkpoint_inhibitor": 50},
                     "responders": {"checkpoint_inhibitor": 12}})
    analysis = CohortAnalysis(available=True, subgroups=pd.DataFrame(
        {"subgroup": ["all patients", "site (site)"], "level": ["all", "A"]}))
    items = {it["topic"]: it["text"] for it in tripod_items(record, analysis)}
    assert "Someone et al. 2024" in items["Source of data (and dates)"]
    assert "'orr'" in items["Outcome definition and timing"]
    assert "12 responders of 50" in items["Outcome definition and timing"]
    predictors = items["Predictors and their timing relative to the landmark"]
    assert "clinical: age, pdl1 (patients-table columns only)" in predictors
    assert "extended" not in predictors  # declared in the file, not trained in this run
    assert "5 outer folds x 2 repeat(s), 3 inner folds" in items["Internal validation"]
    assert "models:/demo/1" in items["Model availability"]
    assert "site (site)" in items["Fairness: performance in subgroups"]
    assert items["Protocol / registration"] == NOT_RECORDED


def test_tidy_metrics_pairs_estimates_with_their_intervals():
    tidy = _tidy_metrics({"auc__cytokine": 0.7, "auc_ci_low__cytokine": 0.5,
                          "auc_ci_high__cytokine": 0.9, "time_total_s": 3.0}).set_index("metric")
    assert tidy.loc["auc", ["therapy_class", "estimate", "ci_low", "ci_high"]].tolist() == [
        "cytokine", 0.7, 0.5, 0.9]
    assert "time_total_s" not in tidy.index


def test_unlabelled_patients_are_not_counted_as_non_responders():
    record = RunRecord(
        run_id="r" * 32, study="demo", params={}, tags={}, children=[_child()],
        experiment_toml=TOML, model_uri=None,
        fingerprint={"n_patients": 50, "n_responders": 12, "n_labelled": 48,
                     "sha256": "ab" * 32, "patients": {"checkpoint_inhibitor": 50},
                     "responders": {"checkpoint_inhibitor": 12},
                     "labelled": {"checkpoint_inhibitor": 48}})
    items = {it["topic"]: it["text"] for it in tripod_items(record, CohortAnalysis())}
    assert "12 responders of 48 patients with a label (2 of 50 have none" in \
        items["Outcome definition and timing"]
    from irpredict.report.build import _cohort_rows

    rows = _cohort_rows(record.fingerprint)
    assert rows[0]["patients"] == "50 (48 labelled)"
    assert rows[0]["rate"] == "25.0%"


def test_subgroups_of_a_column_with_many_levels_pool_the_small_ones():
    import numpy as np

    from irpredict.report._analysis import MAX_LEVELS, _subgroup_rows

    rng = np.random.default_rng(0)
    n = 600
    ids = [f"P{i}" for i in range(n)]
    sites = [f"s{i % 150:03d}" if i < 300 else "big" for i in range(n)]
    patients = pd.DataFrame({"site": sites}, index=ids)
    y = pd.Series(rng.integers(0, 2, n), index=ids)
    scores = pd.Series(rng.random(n), index=ids)
    rows = _subgroup_rows(patients, y, scores, n_bootstrap=20, random_state=0)
    site_rows = rows[rows["subgroup"].str.startswith("site")]
    assert len(site_rows) == MAX_LEVELS + 1
    assert site_rows["level"].iloc[-1] == f"{150 - MAX_LEVELS + 1} smaller levels together"
    assert site_rows["n"].sum() == n
    tiny = site_rows[site_rows["n"] == 2]
    assert tiny["auc"].isna().all()  # 2 patients: no AUC, not 1.000 [1.000-1.000]


def test_predictors_name_the_landmark_of_sets_that_read_measurements_only():
    toml = TOML + 'kinetics = ["age", "measurements:ctdna"]\n'
    child = _child()
    kinetics = {**child, "name": "kinetics/logistic", "feature_set": "kinetics",
                "params": {**child["params"], "landmark_days": "42.0", "n_features": "14"}}
    clinical = {**child, "params": {**child["params"], "landmark_days": "42.0"}}
    record = RunRecord(run_id="r" * 32, study="demo", params={}, tags={},
                       children=[clinical, kinetics], experiment_toml=toml)
    items = {it["topic"]: it["text"] for it in tripod_items(record)}
    predictors = items["Predictors and their timing relative to the landmark"]
    assert "clinical: age, pdl1 (patients-table columns only)" in predictors
    # the set as declared, and how many input columns the model read from it
    assert ("kinetics: age, measurements:ctdna (measurements up to landmark day 42; 14 input "
            "columns)") in predictors


def test_code_versions_say_uncommitted_changes_and_the_experiment_repository():
    env = {"versions": {"irpredict": "1.0"}, "python": "3.11.9", "git_commit": "a" * 40,
           "git_dirty": True, "experiment.git_commit": "b" * 40, "experiment.git_dirty": False}
    record = RunRecord(run_id="r" * 32, study="demo", params={}, tags={}, environment=env)
    items = {it["topic"]: it["text"] for it in tripod_items(record)}
    assert items["Code and software versions"] == (
        f"irpredict 1.0, Python 3.11.9, git {'a' * 40} with uncommitted changes; experiment "
        f"file's repository: git {'b' * 40}")


def test_subgroup_aucs_without_a_bootstrap_show_no_interval():
    from types import SimpleNamespace

    from irpredict.report.build import _subgroup_rows

    nan = float("nan")
    analysis = SimpleNamespace(available=True, subgroups=pd.DataFrame({
        "subgroup": ["all patients", "site", "site"], "level": ["all", "A", "B"],
        "n": [40, 20, 20], "n_responders": [10, 5, 3], "auc": [0.71, 0.65, nan],
        "ci_low": [0.6, nan, nan], "ci_high": [0.8, nan, nan]}))
    shown = [row["auc"] for row in _subgroup_rows(analysis)]
    assert shown == ["0.710 [0.600-0.800]", "0.650",
                     "n/a (fewer than 5 responders or non-responders)"]


def test_a_derived_label_is_the_outcome_definition():
    record = RunRecord(run_id="r" * 32, study="demo",
                       params={"data.label_definition":
                               "clinical_benefit by irecist, from the tumour assessments"},
                       tags={}, experiment_toml='[study]\nname = "demo"\n[data]\nfolder = "c"\n')
    items = {it["topic"]: it["text"] for it in tripod_items(record)}
    assert items["Outcome definition and timing"].startswith(
        "binary response: clinical_benefit by irecist, from the tumour assessments")


def test_the_model_type_says_which_classes_the_pooled_model_scores():
    def model_type(patients, responders):
        record = RunRecord(run_id="r" * 32, study="demo", params={}, tags={},
                           children=[_child()], experiment_toml=TOML,
                           fingerprint={"patients": patients, "responders": responders})
        items = {it["topic"]: it["text"] for it in tripod_items(record)}
        return items["Model type and hyperparameter tuning"]

    # min 30 patients, 8 responders and non-responders (_child's params)
    text = model_type({"checkpoint_inhibitor": 94}, {"checkpoint_inhibitor": 16})
    assert "one classifier per therapy class for checkpoint_inhibitor;" in text
    assert "pooled" not in text
    text = model_type({"checkpoint_inhibitor": 94, "cytokine": 20},
                      {"checkpoint_inhibitor": 16, "cytokine": 5})
    assert ("one classifier per therapy class for checkpoint_inhibitor; the pooled model with "
            "therapy-class indicators for cytokine (min 30 patients") in text
    text = model_type({"cytokine": 20}, {"cytokine": 5})
    assert "one pooled model with therapy-class indicators for every class" in text
