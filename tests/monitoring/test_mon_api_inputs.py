"""The monitoring and training functions name a wrong argument instead of failing inside."""

import pandas as pd
import pytest

from irpredict.exceptions import ExperimentConfigError


@pytest.fixture(scope="module")
def cohort():
    from irpredict.data import Cohort

    patients = pd.DataFrame({"patient_id": ["a", "b"], "therapy_class": "cytokine",
                             "response": [1, 0]})
    return Cohort(patients, name="tiny")


def test_a_table_or_path_where_a_cohort_belongs_is_named(cohort):
    from irpredict.monitoring import fit_landmark_models, landmark_population
    from irpredict.training import score_external, train_study

    for call, what in ((lambda: fit_landmark_models("cohort/"), "fit_landmark_models(cohort)"),
                       (lambda: landmark_population(cohort.patients, 21),
                        "landmark_population(cohort, ...)"),
                       (lambda: score_external(None, "ext/"), "score_external(model, cohort)")):
        with pytest.raises(TypeError, match=rf"{what.replace('(', '[(]').replace(')', '[)]')} "
                                            "takes an irpredict.data.Cohort; got"):
            call()
    with pytest.raises(TypeError, match="train_study takes an Experiment"):
        train_study("study.toml")
    with pytest.raises(TypeError, match="takes the ModelSettings"):
        fit_landmark_models(cohort, {"families": ["logistic"]})


def test_days_before_treatment_are_refused(cohort):
    from irpredict.monitoring import landmark_population

    with pytest.raises(ExperimentConfigError, match="landmark days must be a list of numbers "
                                                    ">= 0"):
        landmark_population(cohort, -5)


def test_a_response_model_where_landmark_models_belong_is_named(cohort):
    from irpredict.monitoring.trajectory import monitor_cohort, monitor_patient

    with pytest.raises(TypeError, match="monitor_patient takes the landmark models"):
        monitor_patient(object(), cohort, "a")
    with pytest.raises(TypeError, match="monitor_cohort takes the landmark models"):
        monitor_cohort(object(), cohort)


def test_a_class_scored_by_the_pooled_model_at_a_landmark_is_noted():
    from types import SimpleNamespace

    from irpredict.monitoring.landmark import _pooled_notes
    from irpredict.training.settings import ModelSettings

    therapy = ["cytokine"] * 15 + ["checkpoint_inhibitor"] * 60
    y = [1] * 11 + [0] * 4 + [1, 0] * 30
    design = SimpleNamespace(X=pd.DataFrame({"therapy_class": therapy}), y=pd.Series(y))
    notes = _pooled_notes(design, ModelSettings(), 63)
    assert len(notes) == 1
    assert notes[0].startswith("day 63: cytokine: fewer than min_patients = 30 patients")
    assert "so the pooled model" in notes[0]
