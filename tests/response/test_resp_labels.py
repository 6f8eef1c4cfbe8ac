"""Responder labels, and agreement with the simulator's oracle labels."""

import pandas as pd
import pytest

from irpredict.exceptions import CohortDataError, ExperimentConfigError
from irpredict.response import derive_labels


def _cohort():
    rows = [
        # a: confirmed PR
        ("a", -3, 50.0),
        ("a", 56, 30.0),
        ("a", 112, 29.0),
        # b: single PR at day 56, then PD -> unconfirmed responder only
        ("b", -3, 50.0),
        ("b", 56, 30.0),
        ("b", 112, 45.0),
        # c: SD until day 180 -> clinical benefit (SD >= 24 weeks), not a responder
        ("c", -3, 50.0),
        ("c", 56, 45.0),
        ("c", 112, 44.0),
        ("c", 180, 46.0),
        # d: SD until day 161, PD at day 224 -> no clinical benefit
        ("d", -3, 50.0),
        ("d", 56, 45.0),
        ("d", 161, 46.0),
        ("d", 224, 60.0),
        # e: baseline only -> non-responder (intention to treat)
        ("e", -3, 50.0),
    ]
    return pd.DataFrame(rows, columns=["patient_id", "day", "target_sld_mm"])


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        ("confirmed_response", {"a": 1, "b": 0, "c": 0, "d": 0, "e": 0}),
        ("unconfirmed_response", {"a": 1, "b": 1, "c": 0, "d": 0, "e": 0}),
        ("disease_control", {"a": 1, "b": 1, "c": 1, "d": 1, "e": 0}),
        ("clinical_benefit", {"a": 1, "b": 0, "c": 1, "d": 0, "e": 0}),
    ],
)
def test_label_definitions(definition, expected):
    labels = derive_labels(_cohort(), definition=definition)
    assert labels.name == "response"
    assert labels.to_dict() == expected


def test_clinical_benefit_window_is_a_parameter():
    labels = derive_labels(_cohort(), definition="clinical_benefit", benefit_days=161)
    assert labels["d"] == 1


def test_irecist_labels_count_pseudo_progression():
    ta = pd.DataFrame(
        {"patient_id": "p", "day": [-5, 56, 112, 168], "target_sld_mm": [50.0, 63.0, 30.0, 28.0]}
    )
    assert derive_labels(ta).tolist() == [0]
    assert derive_labels(ta, criteria="irecist").tolist() == [1]


def test_pcr_passthrough_and_bad_values():
    patients = pd.DataFrame({"patient_id": ["x", "y", "z"], "pcr": [1, "0", "True"]})
    assert derive_labels(definition="pcr", patients=patients).to_dict() == {"x": 1, "y": 0, "z": 1}
    patients.loc[1, "pcr"] = "partial"
    with pytest.raises(CohortDataError, match=r"'pcr' must be 0/1.*\['y'\]"):
        derive_labels(definition="pcr", patients=patients)


def test_unknown_definition_and_criteria():
    with pytest.raises(ExperimentConfigError, match="label definition must be one of"):
        derive_labels(_cohort(), definition="orr")
    with pytest.raises(ExperimentConfigError, match="criteria must be one of"):
        derive_labels(_cohort(), criteria="recist1.0")


def test_aliases_and_patient_ids():
    labels = derive_labels(_cohort(), definition="clinical_benefit_24w", patient_ids=["c", "zz"])
    assert labels.to_dict() == {"c": 1, "zz": 0}
    assert labels.index.name == "patient_id"


@pytest.fixture(scope="module")
def simulated():
    simulator = pytest.importorskip("irpredict.data.simulator")
    return simulator.simulate_cohort(n_patients=2000, seed=0)


@pytest.mark.parametrize(
    ("definition", "floor"), [("confirmed_orr", 0.9), ("clinical_benefit_24w", 0.9)]
)
def test_simulated_labels_agree_with_oracle(simulated, definition, floor):
    patients = simulated.patients.set_index("patient_id")
    chosen = patients[
        (patients["setting"] == "metastatic") & (patients["response_definition"] == definition)
    ]
    ta = simulated.tumor_assessments
    ta = ta[ta["patient_id"].isin(chosen.index)]
    labels = derive_labels(ta, definition=definition, patient_ids=chosen.index)
    truth = chosen["response"].astype(int)
    agreement = float((labels == truth).mean())
    # Measured with seed 0: 0.967 of 1380 (confirmed ORR) and 0.980 of 250 (clinical benefit).
    # Disagreements are shallow responders whose noisy sums stay above -30 % or whose single PR
    # regrows before confirmation, and a few non-responders pushed just below -30 % by reader
    # noise: the oracle is the latent depth of response, not the scans.
    assert agreement >= floor, agreement
    assert (labels[truth == 0] == 1).mean() < 0.05


def test_a_baseline_scan_older_than_four_weeks_is_named():
    import warnings

    from irpredict.exceptions import DataWarning
    from irpredict.response import assess_response

    scans = pd.DataFrame({"patient_id": ["a", "a", "b", "b"], "day": [-40, 56, -28, 56],
                          "target_sld_mm": [50.0, 30.0, 40.0, 41.0]})
    with pytest.warns(DataWarning, match=r"1 patients' baseline scan is more than 28 days "
                                         r"before the first dose: a \(day -40\)"):
        assess_response(scans, confirm=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        assess_response(scans[scans["patient_id"] == "b"], confirm=False)  # day -28 is fine
