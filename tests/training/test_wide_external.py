"""External validation of a model trained on one wide table (a published cohort's layout).

The external table is written the way another centre or a later export writes it: without
the training table's row index, outcomes or published score, with the arm and category
values in another case, ids with leading zeros, or as a table of built features.
"""

import numpy as np
import pandas as pd
import pytest

EXPERIMENT = """
[study]
name = "widestudy"
description = "one wide table with a row index, outcomes, a published score and an arm column"

[data]
source = "training.csv"
id = "SAMPLE_ID"
label = "ORR"

[data.therapy_rule]
column = "Arm"
map = { "anti_her2" = "monoclonal_antibody" }
default = "chemotherapy"

[data.columns]
drop = ["Unnamed: 0"]
exclude = ["OS_months", "Published_score"]
categorical = ["Cancer_Type", "Stage"]

[feature_sets]
clinical = ["age", "TMB", "Albumin", "Cancer_Type"]

[model]
families = ["logistic"]
outer_folds = 3
inner_folds = 2
n_bootstrap = 20
final_family = "logistic"
final_feature_set = "clinical"
"""


def wide_table(n, seed, first_id=1):
    rng = np.random.default_rng(seed)
    cancer = rng.choice(["Breast", "Lung", "Skin"], n)
    tmb = rng.lognormal(1.5, 0.7, n)
    eta = 0.4 * np.log(tmb) + 1.2 * (cancer == "Skin") - 0.8 * (cancer == "Lung") - 0.6
    orr = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    return pd.DataFrame({
        "Unnamed: 0": np.arange(n),
        "SAMPLE_ID": [f"{i:05d}" for i in range(first_id, first_id + n)],
        "Arm": rng.choice(["anti_her2", "chemo"], n),
        "ORR": orr,
        "OS_months": rng.exponential(20, n).round(1),
        "Published_score": (eta + rng.normal(0, 1, n)).round(3),
        "age": rng.normal(58, 10, n).round(),
        "TMB": tmb.round(2),
        "Albumin": rng.normal(4.0, 0.4, n).round(2),
        "Cancer_Type": cancer,
        "Stage": rng.choice(["III", "IV"], n),
    })


@pytest.fixture(scope="module")
def trained(tmp_path_factory, cli):
    folder = tmp_path_factory.mktemp("wide")
    wide_table(240, 1).to_csv(folder / "training.csv", index=False)
    (folder / "widestudy.toml").write_text(EXPERIMENT)
    uri = f"sqlite:///{folder}/mlflow.db"
    result = cli("train", folder / "widestudy.toml", "--tracking-uri", uri, cwd=folder)
    assert result.returncode == 0, result.stderr
    external = wide_table(90, 2, first_id=5000)
    external.to_csv(folder / "external.csv", index=False)
    return folder, uri, external


def _evaluate(cli, trained, data, out):
    folder, uri, _ = trained
    return cli("evaluate", "--model", "models:/widestudy@champion", "--data", data, "--out", out,
               "--tracking-uri", uri, "--n-bootstrap", "20", cwd=folder)


def _evaluate_table(cli, trained, table, folder, name="export"):
    """Write ``table`` as ``<folder>/<name>.csv`` and evaluate the model on it into
    ``<folder>/<name>``; return the finished process."""
    table.to_csv(folder / f"{name}.csv", index=False)
    return _evaluate(cli, trained, folder / f"{name}.csv", folder / name)


def _predictions(out):
    return pd.read_csv(out / "predictions.csv", dtype={"patient_id": str}).set_index("patient_id")


@pytest.fixture(scope="module")
def reference(trained, cli, tmp_path_factory):
    """Predictions on the external table exactly as the training table was laid out."""
    out = tmp_path_factory.mktemp("reference") / "eval"
    result = _evaluate(cli, trained, trained[0] / "external.csv", out)
    assert result.returncode == 0, result.stderr
    return _predictions(out)


def test_an_export_without_unused_columns_and_other_spellings_scores_the_same(
        trained, reference, cli, tmp_path):
    _, _, external = trained
    export = external.drop(columns=["Unnamed: 0", "OS_months", "Published_score", "Stage"])
    export["Arm"] = export["Arm"].str.upper()
    export["Cancer_Type"] = export["Cancer_Type"].str.lower() + " "
    result = _evaluate_table(cli, trained, export, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr
    got = _predictions(tmp_path / "export")
    assert got.index.tolist() == reference.index.tolist()
    assert got.index[0] == "05000"  # ids keep their leading zeros
    assert set(got["therapy_class"]) == {"chemotherapy", "monoclonal_antibody"}
    pd.testing.assert_series_equal(got["prob"], reference["prob"], atol=1e-9)
    pd.testing.assert_series_equal(got["therapy_class"], reference["therapy_class"])


def test_levels_never_seen_in_training_are_named(trained, reference, cli, tmp_path):
    _, _, external = trained
    export = external.copy()
    export.loc[[0, 1], "Cancer_Type"] = "Ovary"
    result = _evaluate_table(cli, trained, export, tmp_path)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stderr.split())
    assert "column 'Cancer_Type': 'Ovary' (patients 05000, 05001)" in text
    assert "'Breast', 'Lung', 'Skin'" in text
    assert text.count("levels not seen in training") == 1


def test_a_missing_id_column_names_the_column_and_its_role(trained, cli, tmp_path):
    _, _, external = trained
    external.rename(columns={"SAMPLE_ID": "Sample"}).to_csv(tmp_path / "x.csv", index=False)
    result = _evaluate(cli, trained, tmp_path / "x.csv", tmp_path / "eval")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    text = " ".join(result.stderr.split())
    assert "column 'SAMPLE_ID' is missing" in text
    assert "reads the patient id from it" in text
    assert not (tmp_path / "eval").exists()


def test_a_table_of_built_features_scores_as_the_raw_table(trained, reference, cli, tmp_path):
    folder, _, _ = trained
    experiment = tmp_path / "external.toml"
    experiment.write_text(EXPERIMENT.replace('source = "training.csv"',
                                             f'source = "{folder / "external.csv"}"'))
    built = cli("features", experiment, "--out", tmp_path / "features.csv", cwd=folder)
    assert built.returncode == 0, built.stderr
    result = _evaluate(cli, trained, tmp_path / "features.csv", tmp_path / "eval")
    assert result.returncode == 0, result.stderr
    got = _predictions(tmp_path / "eval")
    pd.testing.assert_series_equal(got["prob"], reference.loc[got.index, "prob"], atol=1e-9)
    # without therapy_class: derived from the rule's column where the table has it, else named
    features = pd.read_csv(tmp_path / "features.csv", dtype={"patient_id": str})
    assert "Arm" in features.columns
    features.drop(columns="therapy_class").to_csv(tmp_path / "by_arm.csv", index=False)
    result = _evaluate(cli, trained, tmp_path / "by_arm.csv", tmp_path / "by_arm")
    assert result.returncode == 0, result.stderr
    pd.testing.assert_frame_equal(_predictions(tmp_path / "by_arm"), got)
    features.drop(columns=["therapy_class", "Arm"]).to_csv(tmp_path / "no_class.csv",
                                                           index=False)
    result = _evaluate(cli, trained, tmp_path / "no_class.csv", tmp_path / "no_class")
    assert result.returncode == 1
    assert "it has no therapy_class column (or the column 'Arm' its therapy rule reads)" in \
        " ".join(result.stderr.split())
    # a therapy_class the rule's column contradicts is refused, as serving refuses it
    contradicted = features.assign(therapy_class="chemotherapy")
    contradicted.to_csv(tmp_path / "contradicted.csv", index=False)
    result = _evaluate(cli, trained, tmp_path / "contradicted.csv", tmp_path / "contradicted")
    assert result.returncode == 1
    anti = features.loc[features["Arm"] == "anti_her2", "patient_id"].tolist()
    text = " ".join(result.stderr.split())
    assert f"contradicted.csv: therapy_class disagrees with the model's therapy rule on " \
        f"column 'Arm' in patients {anti[0]}, {anti[1]}" in text
    assert not (tmp_path / "contradicted").exists()


def test_a_rule_value_never_seen_in_training_is_refused_not_given_the_default(
        trained, reference, cli, tmp_path):
    from irpredict.exceptions import CohortDataError
    from irpredict.serving.pyfunc import predict_explained
    from irpredict.training.publish import load_response_model

    _, uri, external = trained
    export = external.copy()
    export.loc[[0, 3], "Arm"] = "anti-HER2 + ICI"  # the default would have made it chemo
    result = _evaluate_table(cli, trained, export, tmp_path)
    assert result.returncode == 1
    text = " ".join(result.stderr.split())
    assert "column 'Arm', which gives each patient's therapy class, holds values the model's " \
        "training data never held: 'anti-HER2 + ICI' (patients '05000', '05003'); the " \
        "training data held 'anti_her2', 'chemo'" in text
    assert "Traceback" not in result.stderr
    model = load_response_model("models:/widestudy@champion", tracking_uri=uri)
    rows = export.head(4).drop(columns=["ORR"]).reset_index(drop=True)
    with pytest.raises(CohortDataError, match=r"column 'Arm', which gives the therapy class, "
                                              r"holds values .*: anti-HER2 \+ ICI \(rows 0, 3\)"):
        predict_explained(model, rows)


def test_a_renamed_column_is_matched_to_its_new_name_not_to_a_column_in_use(trained, cli,
                                                                           tmp_path):
    _, _, external = trained
    table = external.rename(columns={"age": "Age_years", "Albumin": "Albumin_gL"})
    result = _evaluate_table(cli, trained, table, tmp_path)
    assert result.returncode == 1
    text = " ".join(result.stderr.split())
    assert "'age' may be 'Age_years'; 'Albumin' may be 'Albumin_gL'" in text
    assert "[data.columns] rename" in text


def test_a_trained_class_absent_from_the_external_cohort_is_said(trained, cli, tmp_path):
    _, _, external = trained
    result = _evaluate_table(cli, trained, external[external["Arm"] == "chemo"], tmp_path)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stderr.split())
    assert "no patient of therapy class monoclonal_antibody" in text
    assert set(_predictions(tmp_path / "export")["therapy_class"]) == {"chemotherapy"}


def test_the_training_patients_are_never_scored_as_external(trained, cli, tmp_path):
    folder, _, external = trained
    result = _evaluate(cli, trained, folder / "training.csv", tmp_path / "eval")
    assert result.returncode == 1
    assert "are the model's own training patients" in " ".join(result.stderr.split())
    assert not (tmp_path / "eval").exists()

    training = pd.read_csv(folder / "training.csv", dtype={"SAMPLE_ID": str})
    result = _evaluate_table(cli, trained, pd.concat([training.head(7), external]), tmp_path,
                             name="mixed")
    assert result.returncode == 0, result.stderr
    assert "7 of 97 patients (00001, 00002" in " ".join(result.stderr.split())
    assert len(_predictions(tmp_path / "mixed")) == len(external)


def test_an_empty_column_and_a_unit_shift_are_named(trained, cli, tmp_path):
    _, _, external = trained
    export = external.assign(Albumin=external["Albumin"] * 10, TMB=np.nan)  # g/dL -> g/L
    result = _evaluate_table(cli, trained, export, tmp_path)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stderr.split())
    assert "have no value for any patient and are imputed for everyone: TMB" in text
    assert "most values lie outside the training range in Albumin (90 of 90 values" in text
    assert text.count("Albumin") == 1  # said as a column, not again value by value
    import json

    said = json.loads((tmp_path / "export" / "metrics.json").read_text())["warnings"]
    assert any("most values lie outside the training range in Albumin" in w for w in said)
    assert any("imputed for everyone: TMB" in w for w in said)
    folder, uri, _ = trained
    explained = cli("explain", "--model", "models:/widestudy@champion", "--data",
                    tmp_path / "export.csv", "--patient", "05000", "--tracking-uri", uri,
                    "--out", tmp_path / "explained", cwd=folder)
    assert explained.returncode == 0, explained.stderr
    explained_text = " ".join(explained.stderr.split())
    assert "most values lie outside the training range in Albumin (90 of 90 values" in (
        explained_text)
    assert "far outside" not in explained_text  # patient 05000's Albumin: said as a column


def test_a_therapy_class_column_that_contradicts_the_rule_is_refused(trained, cli, tmp_path):
    _, _, external = trained
    export = external.assign(therapy_class=np.where(external["Arm"] == "chemo", "chemotherapy",
                                                    "monoclonal_antibody"))
    result = _evaluate_table(cli, trained, export, tmp_path)  # agreeing: scored
    assert result.returncode == 0, result.stderr
    export.loc[[2, 5], "therapy_class"] = "checkpoint_inhibitor"
    result = _evaluate_table(cli, trained, export, tmp_path, name="clash")
    assert result.returncode == 1
    text = " ".join(result.stderr.split())
    ids = ", ".join(export.loc[[2, 5], "SAMPLE_ID"])
    assert (f"column 'therapy_class' disagrees with the class the model's training mapping "
            f"gives in 2 patients ({ids}: written ['checkpoint_inhibitor']") in text
    assert not (tmp_path / "clash").exists()


def test_a_lone_value_far_out_is_named_with_its_file_and_patient(trained, tmp_path, cli):
    _, _, external = trained
    export = external.copy()
    export.loc[3, "TMB"] = 5000.0
    result = _evaluate_table(cli, trained, export, tmp_path)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stderr.split())
    assert (f"{tmp_path / 'export.csv'}: values far outside the training range (beyond it by "
            f"its width or more)") in text
    assert f"'TMB' in patients {export.loc[3, 'SAMPLE_ID']}: 5000 (training range" in text


def test_a_label_written_true_false_scores_as_1_0(trained, reference, cli, tmp_path):
    _, _, external = trained
    export = external.copy()
    export["ORR"] = export["ORR"].map({1: "TRUE", 0: "false"}).astype(object)
    export.loc[0, "ORR"] = external.loc[0, "ORR"]  # a mixed column: 0/1 and true/false
    result = _evaluate_table(cli, trained, export, tmp_path)
    assert result.returncode == 0, result.stderr
    got = _predictions(tmp_path / "export")
    pd.testing.assert_series_equal(got["y"], reference["y"])
    pd.testing.assert_series_equal(got["prob"], reference["prob"], atol=1e-9)


def test_served_rows_take_their_therapy_class_from_the_training_rule(trained, reference):
    from irpredict.exceptions import CohortDataError
    from irpredict.serving.pyfunc import predict_explained
    from irpredict.training.publish import load_response_model

    folder, uri, external = trained
    model = load_response_model("models:/widestudy@champion", tracking_uri=uri)
    rows = external.head(6).drop(columns=["ORR"]).reset_index(drop=True)
    rows["Arm"] = rows["Arm"].str.upper()  # spelled as a person would
    served = predict_explained(model, rows)  # no therapy_class sent
    want = reference.loc[external.head(6)["SAMPLE_ID"]]
    assert served["therapy_class"].tolist() == want["therapy_class"].tolist()
    np.testing.assert_allclose(served["prob_response"], want["prob"], atol=1e-9)
    wrong = rows.assign(therapy_class=["cytokine"] + want["therapy_class"].tolist()[1:])
    with pytest.raises(CohortDataError, match=r"disagrees with the model's therapy rule on "
                                              r"column 'Arm' in rows 0"):
        predict_explained(model, wrong)


def test_response_model_predict_proba_names_bad_input(trained):
    from irpredict.exceptions import CohortDataError
    from irpredict.training.external import external_frame
    from irpredict.training.publish import load_response_model

    folder, uri, _ = trained
    model = load_response_model("models:/widestudy@champion", tracking_uri=uri)
    _, X, _, _ = external_frame(model, folder / "external.csv")
    X = X.head(4)
    with pytest.raises(CohortDataError, match=r"column 'TMB' holds text, not numbers in "
                                              r"patients \['05001'\]"):
        model.predict_proba(X.assign(TMB=X["TMB"].astype(object).where(X.index != "05001",
                                                                       "high")))
    with pytest.raises(CohortDataError, match="'TMB' holds infinite or implausibly large"):
        model.predict_proba(X.assign(TMB=np.inf))
    with pytest.raises(TypeError, match="expected a pandas DataFrame"):
        model.predict_proba(X.to_numpy())
    assert model.predict_proba(X).shape == (4, 2)


def test_a_missing_level_where_training_had_none_is_named(trained, cli, tmp_path):
    _, _, external = trained
    export = external.copy()
    export.loc[[2, 3], "Cancer_Type"] = None
    result = _evaluate_table(cli, trained, export, tmp_path)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stderr.split())
    assert "column 'Cancer_Type': '<missing>' (patients 05002, 05003)" in text


def test_text_in_a_feature_table_is_named_with_its_file(trained, cli, tmp_path):
    folder, _, _ = trained
    experiment = tmp_path / "external.toml"
    experiment.write_text(EXPERIMENT.replace('source = "training.csv"',
                                             f'source = "{folder / "external.csv"}"'))
    built = cli("features", experiment, "--out", tmp_path / "features.csv", cwd=folder)
    assert built.returncode == 0, built.stderr
    features = pd.read_csv(tmp_path / "features.csv", dtype={"patient_id": str})
    features["TMB"] = features["TMB"].astype(object)
    features.loc[3, "TMB"] = "n.d."
    features.to_csv(tmp_path / "with_text.csv", index=False)
    result = _evaluate(cli, trained, tmp_path / "with_text.csv", tmp_path / "eval")
    assert result.returncode == 1
    text = " ".join(result.stderr.split())
    assert "with_text" in text
    assert "'TMB'" in text
    assert "n.d." in text
    assert "Traceback" not in result.stderr


def test_a_stray_decimal_comma_is_named_not_read_as_thousands(trained, cli, tmp_path):
    folder, _, external = trained
    table = external.assign(Albumin=external["Albumin"].map("{:.3f}".format))
    table.loc[0, "Albumin"] = "4,1"
    result = _evaluate_table(cli, trained, table, tmp_path)
    assert result.returncode == 1
    text = " ".join(result.stderr.split())
    assert "column 'Albumin' looks numeric but holds text '4,1' at row 2 (patient 05000)" \
        in text
    assert "one decimal separator for the whole file" in text
    assert not (tmp_path / "export").exists()


def test_numbers_written_as_text_raise_no_default_feature_warning(trained, reference, cli,
                                                                  tmp_path):
    # the model picks its features: which columns a cohort would use by default is moot
    _, _, external = trained
    table = external.assign(age=external["age"].map("{:.0f}".format).astype(str),
                            notes=[f"free text {i}" for i in range(len(external))])
    table.to_parquet(tmp_path / "export.parquet", index=False)
    result = _evaluate(cli, trained, tmp_path / "export.parquet", tmp_path / "export")
    assert result.returncode == 0, result.stderr
    assert "left out of the default features" not in " ".join(result.stderr.split())
    pd.testing.assert_frame_equal(_predictions(tmp_path / "export"), reference)


def test_a_rule_reading_a_column_named_therapy_class_keeps_derived_classes(trained):
    # I-SPY2's arm text sits in a source column named therapy_class: the model's own input
    # example holds the derived classes there, and raw arm text is still read by the rule
    from dataclasses import replace

    from irpredict.serving.validation import with_therapy_class
    from irpredict.training.publish import load_response_model

    folder, uri, external = trained
    model = load_response_model("models:/widestudy@champion", tracking_uri=uri)
    rule = replace(model.mapping.therapy_rule, column="therapy_class")
    renamed = replace(model, mapping=replace(model.mapping, therapy_rule=rule))
    rows = pd.DataFrame({"therapy_class": ["monoclonal_antibody", "chemotherapy", "ANTI_HER2"]})
    got = with_therapy_class(renamed, rows)["therapy_class"].tolist()
    assert got[:2] == ["monoclonal_antibody", "chemotherapy"]
    assert got[2] == with_therapy_class(model, pd.DataFrame({"Arm": ["ANTI_HER2"]}))[
        "therapy_class"].iloc[0]


def test_an_external_experiment_renames_its_columns_to_the_training_names(
        trained, reference, cli, tmp_path):
    _, _, external = trained
    renamed = {"TMB": "tmb (mut/Mb)", "Albumin": "Serum albumin", "Cancer_Type": "Tumour"}
    external.rename(columns=renamed).to_csv(tmp_path / "other_centre.csv", index=False)
    lines = "\n".join(f'"{new}" = "{old}"' for old, new in renamed.items())
    (tmp_path / "other_centre.toml").write_text(
        EXPERIMENT.replace('source = "training.csv"', 'source = "other_centre.csv"')
        .replace('name = "widestudy"', 'name = "other_centre"')
        + f"\n[data.columns.rename]\n{lines}\n")
    result = _evaluate(cli, trained, tmp_path / "other_centre.toml", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    got = _predictions(tmp_path / "out")
    pd.testing.assert_series_equal(got["prob"], reference["prob"], atol=1e-9)


def test_an_external_experiment_whose_classes_contradict_the_rule_is_refused(
        trained, cli, tmp_path):
    _, _, external = trained
    external.to_csv(tmp_path / "other_centre.csv", index=False)
    swapped = (EXPERIMENT.replace('source = "training.csv"', 'source = "other_centre.csv"')
               .replace('map = { "anti_her2" = "monoclonal_antibody" }',
                        'map = { "anti_her2" = "chemotherapy" }')
               .replace('default = "chemotherapy"', 'default = "monoclonal_antibody"'))
    (tmp_path / "swapped.toml").write_text(swapped)
    result = _evaluate(cli, trained, tmp_path / "swapped.toml", tmp_path / "out")
    assert result.returncode == 1
    text = " ".join(result.stderr.split())
    assert "the therapy classes disagree with the model's therapy rule on column 'Arm'" in text
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_output_folder_is_created_with_its_parents(trained, cli, tmp_path):
    folder, _, _ = trained
    deep = tmp_path / "a" / "b" / "eval"
    result = _evaluate(cli, trained, folder / "external.csv", deep)
    assert result.returncode == 0, result.stderr
    assert (deep / "metrics.json").exists()


def test_training_patients_re_exported_with_rounded_values_are_said_by_their_ids(
        trained, cli, tmp_path):
    export = wide_table(240, 1).head(60)
    export["Albumin"] = export["Albumin"].round(1)  # a re-export that rounds one lab
    result = _evaluate_table(cli, trained, export, tmp_path)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stderr.split())
    import re

    changed = (wide_table(240, 1).head(60)["Albumin"] != export["Albumin"]).sum()
    assert re.search(rf"{changed} of 60 patients \(0000\d, .*\) have the ids of the model's "
                     r"training patients, though their feature values differ \(most of the "
                     r"cohort", text), text
    # the unchanged ones are recognised as training patients and left out, as before
    assert f"{60 - changed} of 60 patients" in text


def test_a_tiny_external_cohort_is_said_to_be_no_validation(trained, cli, tmp_path):
    _, _, external = trained
    export = external.sort_values("ORR").iloc[[0, 1, -1]]  # both outcomes, 3 patients
    result = _evaluate_table(cli, trained, export, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "3 labelled patients (1 responders): with fewer than 10 of either outcome" in " ".join(
        result.stderr.split())


def test_the_training_label_name_is_read_in_a_table_with_patient_id(trained, reference, cli,
                                                                     tmp_path):
    _, _, external = trained
    export = external.rename(columns={"SAMPLE_ID": "patient_id"})
    result = _evaluate_table(cli, trained, export, tmp_path)
    assert result.returncode == 0, result.stderr
    got = _predictions(tmp_path / "export")
    pd.testing.assert_series_equal(got["y"], reference.loc[got.index, "y"])


def test_a_label_column_under_another_name_gets_the_close_name_and_the_fix(trained, cli,
                                                                         tmp_path):
    _, _, external = trained
    result = _evaluate_table(cli, trained, external.rename(columns={"ORR": "ORR_1"}), tmp_path)
    assert result.returncode == 1
    text = " ".join(result.stderr.split())
    assert f"{tmp_path / 'export.csv'}: the external cohort has no label column 'ORR' " \
        "(close: 'ORR_1')" in text
    assert "Rename the cohort's label column to the training name" in text
    assert "To score patients without a label, use irpredict explain --all" in text


def test_a_label_shortened_to_its_first_word_is_offered_as_the_close_name():
    from types import SimpleNamespace

    import pytest

    from irpredict.exceptions import CohortDataError
    from irpredict.training.external import _require_label

    cohort = SimpleNamespace(has_label=False, label_col="Response (1:Responder; 0:Non-responder)",
                             name="ext", patients=pd.DataFrame(columns=["ID", "Response", "Age"]))
    with pytest.raises(CohortDataError, match=r"\(close: 'Response'\)"):
        _require_label(cohort, path="ext.csv")
    with pytest.raises(CohortDataError, match=r"Name the label column in its \[data\] label"):
        _require_label(cohort, path="ext.toml")


def test_a_cohort_of_one_outcome_is_said_to_validate_no_discrimination(trained, cli, tmp_path):
    _, _, external = trained
    result = _evaluate_table(cli, trained, external[external["ORR"] == 0], tmp_path)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stderr.split())
    assert "labelled patients are non-responders, so no AUC, PR AUC, calibration intercept " \
        "or slope, or sensitivity can be computed" in text
    assert "1.000 [1.000-1.000]" not in text  # the small-cohort warning is not for this case


def test_a_therapy_class_with_few_of_an_outcome_is_said_even_when_the_cohort_has_enough():
    import warnings

    from irpredict.training._external_warnings import warn_few

    y = pd.Series([1] * 30 + [0] * 30 + [1] * 4 + [0] * 26)
    therapy = pd.Series(["chemotherapy"] * 60 + ["cytokine"] * 30)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_few(y, "cohort.csv", therapy)
    assert [str(w.message) for w in caught] == [
        "cohort.csv: fewer than 10 patients of an outcome in cytokine (30 patients, 4 "
        "responders): the metrics of that class are rough and their bootstrap CIs too narrow; "
        "the overall figures are the external validation"]


def test_an_untrained_therapy_class_is_named_by_patient_with_the_fix(trained, cli, tmp_path):
    folder, _, _ = trained
    rule = ('[data.therapy_rule]\ncolumn = "Arm"\nmap = { "anti_her2" = "monoclonal_antibody" }\n'
            'default = "chemotherapy"\n')
    assert rule in EXPERIMENT
    experiment = tmp_path / "external.toml"
    experiment.write_text(EXPERIMENT.replace('source = "training.csv"',
                                             f'source = "{folder / "external.csv"}"\n'
                                             'therapy_class = "cytokine"').replace(rule, ""))
    result = _evaluate(cli, trained, experiment, tmp_path / "eval")
    assert result.returncode == 1
    text = " ".join(result.stderr.split())
    assert "therapy classes ['cytokine'] (patients 05000, 05001" in text
    assert "leave those patients out, or score them with a model trained on their class" in text


def test_an_outcome_column_is_never_offered_as_a_renamed_feature(trained, cli, tmp_path):
    _, _, external = trained
    export = external.rename(columns={"Albumin": "Albumin_OS"})  # reads as survival
    result = _evaluate_table(cli, trained, export, tmp_path)
    assert result.returncode == 1
    text = " ".join(result.stderr.split())
    assert "lacks the columns ['Albumin']" in text
    assert "Albumin_OS" not in text
    renamed = external.rename(columns={"Albumin": "Albumin_g_dl"})
    result = _evaluate_table(cli, trained, renamed, tmp_path, name="renamed")
    assert "'Albumin' may be 'Albumin_g_dl'" in " ".join(result.stderr.split())
