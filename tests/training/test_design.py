"""The modelling frame of a feature set, and the input contract a model keeps."""

import pytest

from irpredict.training import design_matrix


@pytest.fixture(scope="module")
def cohort():
    from irpredict.data.simulator import simulate_cohort

    cohort = simulate_cohort(n_patients=300, seed=4).to_cohort()
    cohort.response_derived_biomarkers = [*cohort.response_derived_biomarkers, "tumor_size"]
    return cohort


def test_wildcard_leaves_out_a_response_derived_tumour_series(cohort):
    design = design_matrix(cohort, ["age", "measurements:*"], landmark_days=42)
    assert not [c for c in design.feature_columns if c.startswith("tumor_size__")]
    assert design.include_tumor is None  # "unless flagged", never "always"
    assert "therapy_class" in design.X.columns
    assert "therapy_class" not in design.feature_columns


def test_baseline_landmark_has_no_empty_kinetic_columns(cohort):
    design = design_matrix(cohort, ["age", "measurements:ctdna", "measurements:ldh"],
                           landmark_days=0)
    assert "ctdna__baseline" in design.feature_columns
    assert design.X[design.feature_columns].notna().any().all()


def test_model_frame_rebuilds_the_same_columns(cohort):
    from irpredict.training import ResponseModel

    design = design_matrix(cohort, ["age", "her2_ihc", "measurements:*"], landmark_days=42)
    model = ResponseModel(classifier=None, feature_columns=design.feature_columns,
                          categorical_columns=["her2_ihc"], patient_columns=design.patient_columns,
                          biomarkers=design.biomarkers, include_tumor=design.include_tumor,
                          landmark_days=design.landmark_days)
    X, y = model.frame_from_cohort(cohort)
    assert list(X.columns) == model.input_columns
    assert X.loc[design.X.index, design.feature_columns].equals(
        design.X[design.feature_columns])
