"""Same seed, same bytes; different seed, different cohort."""

import hashlib

import pytest

from irpredict.data.simulator import simulate_cohort, write_cohort
from irpredict.data.simulator._writer import COHORT_FILES


def _digests(folder):
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
            for name in COHORT_FILES}


def test_same_seed_gives_identical_files(tmp_path):
    write_cohort(simulate_cohort(n_patients=800, seed=7), tmp_path / "a")
    write_cohort(simulate_cohort(n_patients=800, seed=7), tmp_path / "b")
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")


def test_different_seeds_differ(tmp_path):
    write_cohort(simulate_cohort(n_patients=800, seed=7), tmp_path / "a")
    write_cohort(simulate_cohort(n_patients=800, seed=8), tmp_path / "b")
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert all(a[name] != b[name] for name in COHORT_FILES)


def test_write_leaves_no_temporary_files(tmp_path):
    paths = write_cohort(simulate_cohort(n_patients=60, seed=1), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(COHORT_FILES)
    assert set(paths) == set(COHORT_FILES)


def test_class_mix_is_respected():
    sim = simulate_cohort(n_patients=1000, seed=3,
                          class_mix={"checkpoint_inhibitor": 3, "chemotherapy": 1})
    counts = sim.patients["therapy_class"].value_counts().to_dict()
    assert counts == {"checkpoint_inhibitor": 750, "chemotherapy": 250}
    assert sim.truth["class_mix"] == {"checkpoint_inhibitor": 0.75, "chemotherapy": 0.25}


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n_patients": 0}, "n_patients must be a positive integer"),
    ({"n_patients": 10, "seed": -1}, "seed must be a non-negative integer"),
    ({"n_patients": 10, "no_such_param": 1}, r"unknown parameters \['no_such_param'\]"),
    ({"n_patients": 10, "class_mix": {"vaccine": 1.0}}, "unknown therapy classes"),
    ({"n_patients": 10, "class_mix": {"cytokine": -1.0}}, "non-negative"),
    ({"n_patients": 10, "target_rates": {"cytokine": 1.5}}, "target_rates"),
])
def test_bad_arguments_raise_value_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate_cohort(**kwargs)


def test_overrides_reach_the_model():
    sim = simulate_cohort(n_patients=2000, seed=2, class_mix={"cytokine": 1},
                          target_rates={"cytokine": 0.22}, site_sd=0.0)
    info = sim.truth["classes"]["cytokine"]
    assert info["target_rate"] == 0.22
    assert info["mean_p_true"] == pytest.approx(0.22, abs=1e-6)
    assert sim.truth["params"]["site_sd"] == 0.0


@pytest.mark.parametrize("n", [1, 2, 5, 13])
def test_tiny_cohorts_simulate_and_write(tmp_path, n):
    sim = simulate_cohort(n_patients=n, seed=n)
    write_cohort(sim, tmp_path)
    assert len(sim.patients) == n
    assert sim.tumor_assessments["patient_id"].nunique() == n
    # classes with a single label have no AUC: null in JSON, never NaN
    text = (tmp_path / "truth.json").read_text()
    assert "NaN" not in text


def test_signal_zero_removes_driver_effects():
    sim = simulate_cohort(n_patients=600, seed=4, signal=0.0)
    for info in sim.truth["classes"].values():
        assert all(d["coefficient"] == 0 for d in info["drivers"])
