"""Enrichment table: figures against independent pandas computations, bootstrap behaviour."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irpredict.exceptions import CohortDataError, CriteriaError, ExperimentConfigError
from irpredict.screening import (
    enrichment_table,
    fleiss_two_arm,
    simon_two_stage,
    single_arm_exact,
)
from irpredict.screening.enrichment import NO_SCREENING, threshold_rules


def make_frame(n=120, seed=0):
    rng = np.random.default_rng(seed)
    score = rng.uniform(size=n)
    frame = pd.DataFrame({
        "therapy_class": rng.choice(["checkpoint_inhibitor", "chemotherapy"], n),
        "prob_response": score,
        "ecog": rng.integers(0, 3, n).astype(float),
        "response": (rng.uniform(size=n) < 0.1 + 0.6 * score).astype(int),
    }, index=pd.Index([f"p{i:03d}" for i in range(n)], name="patient_id"))
    frame.loc[frame.index[:5], "ecog"] = np.nan
    return frame


def estimates(table, rule, group):
    sub = table[(table["rule"] == rule) & (table["therapy_class"] == group)]
    return sub.set_index("metric")["estimate"]


def independent(frame, mask):
    """Figures recomputed with plain pandas."""
    y = frame["response"]
    elig = y[mask]
    out = {
        "eligible_fraction": mask.mean(),
        "response_rate_overall": y.mean(),
        "response_rate_eligible": elig.mean() if len(elig) else np.nan,
        "response_rate_excluded": y[~mask].mean() if (~mask).any() else np.nan,
        "responders_lost": int(y[~mask].sum()),
        "responders_lost_share": y[~mask].sum() / y.sum() if y.sum() else np.nan,
        "nns": 1 / mask.mean() if mask.any() else np.nan,
        "nns_responder": len(y) / elig.sum() if elig.sum() else np.nan,
    }
    out["enrichment_ratio"] = (out["response_rate_eligible"] / out["response_rate_overall"]
                               if y.mean() else np.nan)
    return out


def test_figures_match_pandas_per_therapy_and_overall():
    frame = make_frame()
    table = enrichment_table(frame, ["ecog < 2"] + threshold_rules("prob_response", [0.5]),
                             p0=0.2, n_bootstrap=0)
    for group in ("all", "checkpoint_inhibitor", "chemotherapy"):
        sub = frame if group == "all" else frame[frame["therapy_class"] == group]
        for rule, mask in (("ecog < 2", (sub["ecog"] < 2) & sub["ecog"].notna()),
                           ("prob_response >= 0.5", sub["prob_response"] >= 0.5),
                           (NO_SCREENING, pd.Series(True, index=sub.index))):
            got = estimates(table, rule, group)
            for metric, value in independent(sub, mask).items():
                assert got[metric] == pytest.approx(value, nan_ok=True), (group, rule, metric)


def test_trial_sizes_use_the_rate_among_eligible():
    frame = make_frame()
    costs = {"cost_screen": 100.0, "cost_patient": 2000.0}
    table = enrichment_table(frame, ["prob_response >= 0.5"], p0=0.2, p_comparator=0.25,
                             n_bootstrap=0, **costs)
    got = estimates(table, "prob_response >= 0.5", "all")
    p1 = frame.loc[frame["prob_response"] >= 0.5, "response"].mean()
    nns = len(frame) / (frame["prob_response"] >= 0.5).sum()
    single = single_arm_exact(0.2, p1)
    optimal, minimax = simon_two_stage(0.2, p1)
    two = fleiss_two_arm(p1, 0.25)
    assert got["single_arm_n"] == single.n
    assert got["single_arm_r"] == single.r
    assert (got["simon_optimal_n1"], got["simon_optimal_n"]) == (optimal.n1, optimal.n)
    assert got["simon_minimax_n"] == minimax.n
    assert got["two_arm_n_total"] == two.n_total
    assert got["screened_two_arm"] == math.ceil(two.n_total * nns - 1e-9)
    # screening is paid per whole patient screened
    assert got["cost_two_arm"] == pytest.approx(two.n_total * 2000
                                                + 100 * math.ceil(two.n_total * nns - 1e-9))
    assert got["cost_single_arm"] == pytest.approx(single.n * 2000
                                                   + 100 * math.ceil(single.n * nns - 1e-9))
    assert got["cost_single_arm"] == pytest.approx(single.n * 2000
                                                   + 100 * got["screened_single_arm"])
    ref = estimates(table, NO_SCREENING, "all")
    assert ref["cost_single_arm"] == pytest.approx(ref["single_arm_n"] * 2000)  # no screening


@settings(max_examples=40, deadline=None)
@given(y=st.lists(st.integers(0, 1), min_size=3, max_size=40),
       s=st.data(), t=st.floats(0, 1))
def test_property_fraction_and_rates_match_pandas(y, s, t):
    scores = s.draw(st.lists(st.floats(0, 1), min_size=len(y), max_size=len(y)))
    frame = pd.DataFrame({"response": y, "score": scores, "therapy_class": "cytokine"},
                         index=[f"p{i}" for i in range(len(y))])
    rules = threshold_rules("score", [t])
    table = enrichment_table(frame, rules, p0=0.1, n_bootstrap=0)
    got = estimates(table, rules[0].label, "cytokine")
    mask = frame["score"] >= t  # the threshold itself, however it prints
    for metric, value in independent(frame, mask).items():
        assert got[metric] == pytest.approx(value, nan_ok=True), metric


def test_rule_selecting_nobody_gives_nan_rows_with_note():
    frame = make_frame(60)
    table = enrichment_table(frame, ["prob_response > 2"], p0=0.2, p_comparator=0.2,
                             n_bootstrap=50)
    sub = table[(table["rule"] == "prob_response > 2") & (table["therapy_class"] == "all")]
    est = sub.set_index("metric")["estimate"]
    assert est["eligible_fraction"] == 0
    assert np.isnan(est["response_rate_eligible"])
    assert np.isnan(est["single_arm_n"])
    assert sub["note"].str.contains("selects nobody").all()
    assert (sub.set_index("metric").loc["response_rate_eligible", "n_undefined"]) == 50


def test_undefined_resamples_are_counted():
    # one eligible patient out of 20: about (19/20)^20 = 36% of resamples lack them
    frame = pd.DataFrame({"response": [1, 0] * 10, "x": [1.0] + [0.0] * 19},
                         index=[f"p{i}" for i in range(20)])
    table = enrichment_table(frame, ["x > 0.5"], p0=0.2, n_bootstrap=400, random_state=1)
    row = table[(table["rule"] == "x > 0.5")
                & (table["metric"] == "response_rate_eligible")].iloc[0]
    assert 100 < row["n_undefined"] < 190
    assert row["n_boot"] == 400
    assert row["ci_low"] == row["ci_high"] == 1.0


def test_no_finite_trial_counts_as_infinite_and_widens_ci():
    frame = make_frame(80, seed=3)
    table = enrichment_table(frame, ["ecog >= 0"], p0=0.45, n_bootstrap=200)
    row = table[(table["rule"] == "ecog >= 0") & (table["metric"] == "single_arm_n")
                & (table["therapy_class"] == "all")].iloc[0]
    rate = table[(table["rule"] == "ecog >= 0") & (table["therapy_class"] == "all")
                 & (table["metric"] == "response_rate_eligible")]["estimate"].iloc[0]
    assert rate < 0.6
    assert row["n_infinite"] > 0
    assert row["ci_high"] == np.inf
    from irpredict.screening._markdown import resample_notes

    note = next(n for n in resample_notes(table) if n.startswith("ecog >= 0 (all): "))
    assert (f"no finite single-arm size in {int(row['n_infinite'])} of 200 resamples"
            in note)
    assert ("(the response rate among eligible was at or below p0, or the exact design needs "
            "more than 1,000 patients)") in note


def test_bootstrap_is_reproducible_and_ci_brackets_estimates():
    frame = make_frame(100, seed=5)
    kw = {"p0": 0.2, "n_bootstrap": 200, "random_state": 7}
    a = enrichment_table(frame, ["ecog < 2"], **kw)
    b = enrichment_table(frame, ["ecog < 2"], **kw)
    pd.testing.assert_frame_equal(a, b)
    rates = a[a["metric"].isin(["eligible_fraction", "response_rate_eligible"])]
    assert (rates["ci_low"] <= rates["estimate"] + 1e-9).all()
    assert (rates["estimate"] <= rates["ci_high"] + 1e-9).all()


def test_missing_include_changes_eligibility():
    frame = make_frame(40)
    ex = enrichment_table(frame, ["ecog < 2"], p0=0.2, n_bootstrap=0)
    inc = enrichment_table(frame, ["ecog < 2"], p0=0.2, n_bootstrap=0, missing="include")
    n_ex = estimates(ex, "ecog < 2", "all")["n_eligible"]
    n_inc = estimates(inc, "ecog < 2", "all")["n_eligible"]
    assert n_inc - n_ex == frame["ecog"].isna().sum()


def test_unlabelled_patients_are_left_out_with_a_note():
    frame = make_frame(40).astype({"response": "Float64"})
    frame.loc[frame.index[:3], "response"] = pd.NA
    table = enrichment_table(frame, ["ecog < 2"], p0=0.2, n_bootstrap=0)
    row = table[table["therapy_class"] == "all"].iloc[0]
    assert row["n_screened"] == 37
    assert "3 patients without a response label" in row["note"]


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"p0": 1.5}, ExperimentConfigError, "p0 must be"),
    ({"p0": 0.2, "power": 0.2}, ExperimentConfigError, "power"),
    ({"p0": 0.2, "label_col": "pcr"}, CohortDataError, "no response column 'pcr'"),
    ({"p0": 0.2, "sided": 3}, ExperimentConfigError, "sided must be 1 or 2"),
    ({"p0": 0.2, "n_bootstrap": -1}, ExperimentConfigError, "n_bootstrap must be >= 0"),
])
def test_bad_settings(kwargs, error, message):
    with pytest.raises(error, match=message):
        enrichment_table(make_frame(20), ["ecog < 2"], **{"n_bootstrap": 0, **kwargs})


def test_bad_rule_fails_before_any_work():
    with pytest.raises(CriteriaError, match="unknown column 'ecgo'.*closest: ecog"):
        enrichment_table(make_frame(20), ["ecgo < 2"], p0=0.2)


@pytest.mark.parametrize("rules", [["response == 1"], ["ecog < 2 and response > 0"],
                                   threshold_rules("response", [0.5])])
def test_a_rule_on_the_label_is_refused(rules):
    with pytest.raises(ExperimentConfigError, match="uses 'response', the label"):
        enrichment_table(make_frame(20), rules, p0=0.2, n_bootstrap=0)


def test_a_rule_on_a_label_of_another_name_is_refused():
    frame = make_frame(20).rename(columns={"response": "orr"})
    with pytest.raises(ExperimentConfigError, match="uses 'orr', the label"):
        enrichment_table(frame, ["orr == 1"], p0=0.2, n_bootstrap=0, label_col="orr")


def test_label_must_be_binary():
    frame = make_frame(20)
    frame.loc["p001", "response"] = 3
    with pytest.raises(CohortDataError, match=r"must be 0/1; 1 rows are not, e.g. \['p001'\]"):
        enrichment_table(frame, ["ecog < 2"], p0=0.2)


def test_tradeoff_plot(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from irpredict.screening import plot_tradeoff

    table = enrichment_table(make_frame(), ["ecog < 2"] + threshold_rules(
        "prob_response", [0.2, 0.4, 0.6]), p0=0.2, n_bootstrap=20)
    fig = plot_tradeoff(table, therapy_class="all")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "expected response rate among eligible"
    assert len(ax.lines) == 1  # the threshold sweep, through its three thresholds in order
    xs, ys = ax.lines[0].get_xdata(), ax.lines[0].get_ydata()
    assert len(xs) == 3
    assert np.isfinite(xs).all()
    assert list(ys) == sorted(ys, reverse=True)
    texts = [t.get_text() for t in ax.texts]
    assert {"0.2", "0.4", "0.6"} <= set(texts)  # every sweep point says its threshold
    fig.savefig(tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 1000


def test_public_names_exist():
    import irpredict.screening as screening

    assert all(hasattr(screening, name) for name in screening.__all__)
    assert "CriteriaError" in __import__("irpredict.exceptions").exceptions.__all__


def test_group_without_any_label_gives_nan_rows():
    frame = pd.DataFrame({"response": [1, 0, 1, None, None], "x": [1, 2, 3, 4, 5],
                          "therapy_class": ["a", "a", "a", "b", "b"]}, index=list("pqrst"))
    table = enrichment_table(frame, ["x > 1"], p0=0.2, n_bootstrap=20)
    rows = table[table["therapy_class"] == "b"]
    assert (rows["n_screened"] == 0).all()
    assert rows.set_index(["rule", "metric"])["estimate"].isna().loc[:, "eligible_fraction"].all()
    assert rows["note"].str.contains("2 patients without a response label").all()



def test_a_small_eligible_group_gets_the_exact_ci_of_its_response_rate():
    from scipy.stats import binomtest

    frame = make_frame(n=16, seed=2)
    table = enrichment_table(frame, ["prob_response >= 0"], p0=0.2, n_bootstrap=50)
    row = table[(table["rule"] == "prob_response >= 0") & (table["therapy_class"] == "all")]
    note = row["note"].iloc[0]
    k, n = int(frame["response"].sum()), len(frame)
    exact = binomtest(k, n).proportion_ci(method="exact")
    assert f"only {n} eligible patients ({k} responders)" in note
    assert f"[{exact.low:.0%}, {exact.high:.0%}]" in note
    big = enrichment_table(make_frame(n=120), ["prob_response >= 0"], p0=0.2, n_bootstrap=20)
    assert not big["note"].str.contains("Clopper").any()
    # without a bootstrap the exact CI is given, with nothing said of bootstrap CIs
    plain = enrichment_table(frame, ["prob_response >= 0"], p0=0.2, n_bootstrap=0)
    note = plain.loc[plain["therapy_class"] == "all", "note"].iloc[0]
    assert f"only {n} eligible patients ({k} responders); the exact (Clopper-Pearson)" in note
    assert "bootstrap" not in note


def test_a_group_where_everyone_or_no_one_responded_gets_the_exact_ci():
    from scipy.stats import binomtest

    frame = make_frame(n=200, seed=3)
    frame["marker"] = frame["response"]  # a rule that selects exactly the responders
    table = enrichment_table(frame, ["marker == 1", "marker == 0"], p0=0.2, n_bootstrap=20)
    rows = table[table["therapy_class"] == "all"].drop_duplicates("rule").set_index("rule")
    k = int(frame["response"].sum())
    assert k >= 20  # not a small group: the note is for the degenerate rate
    exact = binomtest(k, k).proportion_ci(method="exact")
    assert (f"all of the {k} eligible patients responded: the bootstrap CI of a rate of 100% "
            f"is that rate alone; the exact (Clopper-Pearson) 95% CI of the response rate "
            f"among eligible is [{exact.low:.0%}, {exact.high:.0%}]") in rows.at["marker == 1",
                                                                           "note"]
    assert "none of the" in rows.at["marker == 0", "note"]


def test_a_rule_without_a_finite_trial_is_drawn_hollow_not_as_the_largest_trial():
    import matplotlib

    matplotlib.use("Agg")
    from irpredict.screening import plot_tradeoff

    frame = make_frame()
    # p0 above every response rate: no finite single-arm size for any rule
    table = enrichment_table(frame, ["ecog < 2"], p0=0.95, n_bootstrap=0)
    ax = plot_tradeoff(table, therapy_class="all").axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "no finite trial size" in legend
    hollow = [c for c in ax.collections
              if len(c.get_offsets()) and len(c.get_facecolors()) == 0]
    assert hollow


def test_thresholds_that_select_the_same_patients_share_one_label():
    import matplotlib

    matplotlib.use("Agg")
    from irpredict.screening import plot_tradeoff
    from irpredict.screening.enrichment import threshold_rules

    frame = make_frame()
    score = frame["prob_response"]
    frame["prob_response"] = np.where(score > 0.5, 0.9, score * 0.6)  # none in (0.3, 0.9)
    rules = threshold_rules("prob_response", [0.2, 0.4, 0.5, 0.6])
    table = enrichment_table(frame, rules, p0=0.2, n_bootstrap=0)
    ax = plot_tradeoff(table, therapy_class="all").axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert "0.4-0.6" in texts
    assert "0.2" in texts
    assert not {"0.4", "0.5", "0.6"} & set(texts)


def test_an_infinite_share_of_resamples_gives_an_infinite_bound_never_a_huge_number():
    import numpy as np

    from irpredict.screening.enrichment import _percentiles

    finite = np.arange(195.0)
    for n_inf in (1, 5, 6, 30):
        values = np.concatenate([finite, np.full(n_inf, np.inf)])
        low, high = _percentiles(values, 0.95)
        expected = np.percentile(np.concatenate([finite, np.full(n_inf, 1e6)]), [2.5, 97.5])
        assert low == pytest.approx(expected[0])
        # the upper bound leans on an infinite resample as soon as numpy's would
        assert high == (np.inf if expected[1] > finite[-1] else pytest.approx(expected[1]))
    values = np.random.default_rng(0).normal(size=999)
    assert _percentiles(values, 0.9) == pytest.approx(tuple(np.percentile(values, [5, 95])))
