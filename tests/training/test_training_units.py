"""A cohort scored by a model is read in the units the model was trained on."""

from dataclasses import replace

import pandas as pd
import pytest

from irpredict.data.simulator import simulate_cohort
from irpredict.exceptions import CohortDataError, DataWarning
from irpredict.training.response_model import in_training_units


@pytest.fixture(scope="module")
def cohort():
    return simulate_cohort(n_patients=120, seed=4).to_cohort()


def test_a_convertible_unit_is_converted_to_the_training_unit(cohort):
    assert cohort.units["albumin"] == "g/L"
    rows = cohort.measurements["biomarker"] == "albumin"
    in_g_dl = cohort.measurements.copy()
    in_g_dl.loc[rows, "value"] = in_g_dl.loc[rows, "value"] / 10
    in_g_dl.loc[rows, "unit"] = "g/dL"
    other = replace(cohort, measurements=in_g_dl, units={**cohort.units, "albumin": "g/dL"})
    with pytest.warns(DataWarning, match="albumin from g/dL to g/L"):
        back = in_training_units(other, dict(cohort.units), "study/set")
    pd.testing.assert_series_equal(back.measurements.loc[rows, "value"],
                                   cohort.measurements.loc[rows, "value"], check_names=False)
    assert back.units["albumin"] == "g/L"
    assert in_training_units(cohort, dict(cohort.units), "study/set") is cohort


def test_a_unit_that_does_not_convert_is_refused_naming_both_units(cohort):
    other = replace(cohort, units={**cohort.units, "crp": "furlongs"})
    with pytest.raises(CohortDataError, match=r"'crp' is in furlongs, the model's training "
                                              r"data in mg/L"):
        in_training_units(other, dict(cohort.units), "study/set")


def test_unit_spellings_that_normalise_alike_are_the_same_unit(cohort):
    # a cohort built in memory keeps "% change"; one read from files writes "%change"
    other = replace(cohort, units={**cohort.units, "crp": " MG/L "})
    assert in_training_units(other, dict(cohort.units), "study/set") is other


@pytest.fixture(scope="module")
def reference_model(repo_root):
    from irpredict.serving.app import load_served_model

    return load_served_model(str(repo_root / "models" / "reference")).model


def test_a_biomarker_the_model_does_not_read_may_be_in_any_unit(reference_model, cohort):
    import warnings

    assert "sld_change_wk9" not in reference_model.biomarkers
    other = replace(cohort, units={**cohort.units, "sld_change_wk9": "furlongs"})
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        X, _ = reference_model.frame_from_cohort(other)
    assert len(X) == len(cohort.patients)


def test_a_model_with_day0_on_treatment_columns_still_scores_without_a_word(reference_model,
                                                                             cohort):
    import warnings

    # models saved before day-0 landmarks stopped building them carry such columns
    older = replace(reference_model, feature_columns=[
        *reference_model.feature_columns, "crp__n_draws_d0", "crp__slope_d0",
        "tumor__n_scans_d0"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X, _ = older.frame_from_cohort(cohort)
    assert (X["crp__n_draws_d0"] == 0).all()
    assert (X["tumor__n_scans_d0"] == 0).all()
    assert X["crp__slope_d0"].isna().all()


def test_predict_proba_reads_values_as_the_served_model_does(reference_model, repo_root):
    import json
    import warnings

    import numpy as np

    split = json.loads((repo_root / "models" / "reference" / "serving_input_example.json")
                       .read_text())["dataframe_split"]
    X = pd.DataFrame(split["data"], columns=split["columns"])
    expected = reference_model.predict_proba(X)[:, 1]
    written = X.assign(er_status=X["er_status"].str.upper().radd(" "),
                       therapy_class=X["therapy_class"].str.replace("_", " ").str.title(),
                       liver_mets=X["liver_mets"].map({0: "no", 1: "yes"}))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # every level is a training level
        np.testing.assert_allclose(reference_model.predict_proba(written)[:, 1], expected)
    with pytest.warns(DataWarning, match="'er_status': 'weird'"):
        reference_model.predict_proba(X.assign(er_status="weird"))


def test_default_jobs_follow_the_cpus_this_process_may_use(monkeypatch):
    from types import SimpleNamespace

    from irpredict.training import default_jobs, model_settings
    from irpredict.training.settings import MAX_DEFAULT_JOBS

    no_setting = SimpleNamespace(raw={"model": {"seed": 1}})
    monkeypatch.setenv("LOKY_MAX_CPU_COUNT", "1")  # as a container's CPU limit would
    assert default_jobs(no_setting) == 1
    monkeypatch.setenv("LOKY_MAX_CPU_COUNT", "64")
    assert 1 <= default_jobs(no_setting) <= MAX_DEFAULT_JOBS
    in_file = SimpleNamespace(raw={"model": {"n_jobs": 3}})
    assert default_jobs(in_file) is None  # the file's value stands
    assert model_settings(in_file.raw["model"], n_jobs=default_jobs(in_file)).n_jobs == 3
