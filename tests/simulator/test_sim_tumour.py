"""Tumour trajectories follow the latent depth s."""

import numpy as np
import pandas as pd
import pytest

from irpredict.data.simulator._tumour import MAX_GROWTH_RATIO, draw_dynamics


@pytest.fixture(scope="module")
def scans(sim5000):
    t = sim5000.tumor_assessments
    truth = pd.DataFrame(sim5000.truth["patients"])
    return t.merge(sim5000.patients[["patient_id", "therapy_class", "setting", "response"]],
                   on="patient_id").merge(truth, on="patient_id")


def test_tumour_table_columns_and_values(sim5000):
    t = sim5000.tumor_assessments
    assert list(t.columns) == ["patient_id", "day", "target_sld_mm", "nontarget", "new_lesion"]
    assert (t["target_sld_mm"] >= 0).all()
    assert set(t["nontarget"].dropna()) <= {"CR", "NON-CR/NON-PD", "PD", "NE"}
    assert set(t["new_lesion"]) == {0, 1}
    base = t[t["day"] <= 0]
    assert base["day"].between(-28, 0).all()
    assert base["patient_id"].is_unique
    assert base["patient_id"].nunique() == len(sim5000.patients)


def test_responders_reach_partial_response_far_more_often(scans):
    base = scans[scans["day"] <= 0].set_index("patient_id")["target_sld_mm"]
    post = scans[scans["day"] > 0]
    best = post.groupby("patient_id")["target_sld_mm"].min() / base
    resp = scans.drop_duplicates("patient_id").set_index("patient_id")["response"]
    deep = (best <= 0.7).groupby(resp.loc[best.index]).mean()
    assert deep[1] > 0.8
    assert deep[0] < 0.1


def test_complete_responses_only_for_deep_responders(scans):
    zero = scans[(scans["day"] > 0) & (scans["target_sld_mm"] == 0)]
    assert len(zero) > 0
    assert (zero["s"] > 2).all()


def test_neoadjuvant_imaging_schedule(scans):
    neo = scans[scans["setting"] == "neoadjuvant"]
    per_patient = neo.groupby("patient_id").size()
    assert per_patient.max() <= 3
    assert neo.loc[neo["day"] > 0, "day"].between(77, 177).all()


def test_pseudo_progression_and_early_dropout_exist(sim5000):
    per = pd.DataFrame(sim5000.truth["patients"]).merge(sim5000.patients, on="patient_id")
    pseudo = per[per["pseudo_progression"]]
    assert len(pseudo) > 0
    assert (pseudo["therapy_class"] == "checkpoint_inhibitor").all()
    assert (pseudo["s"] > 0).all()
    early = per[per["early_dropout"]]
    assert len(early) > 0
    assert (early["s"] <= 0).all()
    t = sim5000.tumor_assessments
    later = t[t["patient_id"].isin(early["patient_id"]) & (t["day"] > 60)]
    assert later.empty


def test_the_day_treatment_stopped_is_recorded_and_follows_the_scans(sim5000):
    """An early dropout's last scan is on or before its off_treatment_day, which is within
    its dropout window; a patient progressing on scans stops treatment that day (all but a
    few whose RECIST reading and the simulator's own progression rule part)."""
    from irpredict.monitoring.population import first_progression_day

    per = pd.DataFrame(sim5000.truth["patients"]).merge(sim5000.patients, on="patient_id")
    per = per.set_index("patient_id")
    early = per[per["early_dropout"]]
    assert early["off_treatment_day"].between(14, 56).all()
    last_scan = sim5000.tumor_assessments.groupby("patient_id")["day"].max()
    assert (last_scan.loc[early.index] <= early["off_treatment_day"]).all()
    assert per.loc[per["response"] == 1, "off_treatment_day"].isna().mean() > 0.5
    pd_day = first_progression_day(sim5000.to_cohort())
    progressed = pd_day.dropna().index.intersection(per.index[~per["early_dropout"]
                                                              & ~per["pseudo_progression"]])
    assert len(progressed) > 100
    same_day = per.loc[progressed, "off_treatment_day"] == pd_day.loc[progressed]
    assert same_day.mean() > 0.99


def test_progression_is_always_scanned_and_nothing_follows_an_early_dropout(sim5000):
    per = pd.DataFrame(sim5000.truth["patients"]).merge(sim5000.patients, on="patient_id")
    stopped = per[per["off_treatment_day"].notna() & ~per["early_dropout"]]
    scans = sim5000.tumor_assessments.merge(stopped[["patient_id", "off_treatment_day"]])
    scanned = scans.loc[scans["day"] == scans["off_treatment_day"], "patient_id"]
    # the scan that shows progression is never the one missed: treatment stops on it
    assert set(scanned) == set(stopped["patient_id"])
    m = sim5000.measurements
    biopsy = m[(m["biomarker"] == "stil_pct") & (m["day"] > 0)].merge(per)
    assert len(biopsy) > 0
    # the progression biopsy follows a progression scan that took place (not one after death)
    assert (biopsy["day"] <= biopsy["off_treatment_day"] + 14).all()


@pytest.fixture(scope="module")
def recist(sim5000):
    from irpredict.response.labels import assess_response

    met = sim5000.patients.loc[sim5000.patients["setting"] == "metastatic", "patient_id"]
    ta = sim5000.tumor_assessments[sim5000.tumor_assessments["patient_id"].isin(met)]
    truth = pd.DataFrame(sim5000.truth["patients"])
    bor = assess_response(ta).bor.merge(sim5000.patients, on="patient_id")
    return ta, bor.merge(truth, on="patient_id")


def test_recist_reading_gives_response_for_latent_responders(recist):
    _, bor = recist
    objective = bor["bor"].isin(["CR", "PR"]).groupby(bor["response"]).mean()
    assert objective[1] > 0.8
    assert objective[0] < 0.02
    assert (bor.loc[bor["bor"] == "CR", "s"] > 2).all()


def test_pseudo_progressors_are_rescued_by_irecist(recist):
    import warnings

    from irpredict.response.labels import assess_response

    ta, bor = recist
    pseudo = bor[bor["pseudo_progression"] & (bor["bor"] == "PD")]
    assert len(pseudo) >= 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ibor = assess_response(ta[ta["patient_id"].isin(pseudo["patient_id"])],
                               criteria="irecist").bor
    rescued = ~ibor["bor"].isin(["iUPD", "iCPD"])
    assert rescued.mean() >= 0.5


def test_progressing_tumours_stay_within_plausible_sizes(scans):
    # The capped best ratio is 2; regrowth between scans (and neoadjuvant tumours followed
    # to surgery without a progression stop) may carry a tumour further, not 20-fold.
    base = scans[scans["day"] <= 0].set_index("patient_id")["target_sld_mm"]
    post = scans[scans["day"] > 0]
    growth = (post.groupby("patient_id")["target_sld_mm"].max() / base).dropna()
    assert growth.max() < 2.5 * MAX_GROWTH_RATIO
    assert scans["target_sld_mm"].max() < 1000
    deepest_non_responders = scans.loc[scans["s"] < -2.5, "patient_id"].unique()
    assert growth.loc[growth.index.intersection(deepest_non_responders)].median() > 1.5


def test_pseudo_progressors_are_followed_until_their_next_progression(scans, sim5000):
    truth = pd.DataFrame(sim5000.truth["patients"])
    pseudo = truth.loc[truth["pseudo_progression"], "patient_id"]
    follow = scans[scans["patient_id"].isin(pseudo)].sort_values(["patient_id", "day"])
    assert follow.groupby("patient_id").size().max() > 2  # treated beyond the first scan
    for _, visits in follow.groupby("patient_id"):
        sizes = visits["target_sld_mm"].to_numpy()
        later = sizes[2:-1]  # scans after the waived one, before the last
        nadir = np.minimum.accumulate(sizes)[1:-2]
        assert not ((later >= 1.2 * nadir) & (later - nadir >= 5)).any()


def test_growth_cap_changes_sizes_not_recist_responses():
    from irpredict.data.simulator import _engine, simulate_cohort

    capped = simulate_cohort(n_patients=600, seed=21)

    def uncapped_dynamics(rng, s):
        dynamics = draw_dynamics(rng, s)
        dynamics["r_min"] = np.where(dynamics["cr"], 0.0, 0.70 * np.exp(-0.60 * s))
        return dynamics

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_engine, "draw_dynamics", uncapped_dynamics)
        uncapped = simulate_cohort(n_patients=600, seed=21)
    assert uncapped.tumor_assessments["target_sld_mm"].max() > 3 * (
        capped.tumor_assessments["target_sld_mm"].max())
    pd.testing.assert_frame_equal(capped.patients, uncapped.patients)
    scan_keys = ["patient_id", "day", "nontarget", "new_lesion"]
    pd.testing.assert_frame_equal(capped.tumor_assessments[scan_keys],
                                  uncapped.tumor_assessments[scan_keys])
