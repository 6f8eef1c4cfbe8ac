import pandas as pd
import pytest

from irpredict.data.loaders import load_cohort
from irpredict.exceptions import CohortDataError, ExperimentConfigError

PATIENTS = pd.DataFrame({"patient_id": ["P1", "P2", "P3", "P4"],
                         "therapy_class": ["cytokine", "chemotherapy", "cytokine", "adoptive_cell"],
                         "response": [1, 0, 0, 1], "age": [50, 60, 70, 55]})
MEASUREMENTS = pd.DataFrame({"patient_id": ["P1", "P2"], "biomarker": ["anc", "anc"],
                             "day": [0, 21], "value": [3.2, 4.1], "unit": ["10^9/L"] * 2})


def test_folder_with_csv_parquet_and_excel(tmp_path):
    folder = tmp_path / "study_a"
    folder.mkdir()
    PATIENTS.to_excel(folder / "patients.xlsx", index=False)
    MEASUREMENTS.to_parquet(folder / "measurements.parquet")
    cohort = load_cohort(folder)
    assert cohort.name == "study_a"
    assert cohort.n_patients == 4
    assert cohort.sources == {"patients": str(folder / "patients.xlsx"),
                              "measurements": str(folder / "measurements.parquet")}
    assert cohort.tumor_assessments is None
    assert cohort.units == {"anc": "10^9/L"}


def test_folder_errors(tmp_path):
    with pytest.raises(CohortDataError, match="does not exist"):
        load_cohort(tmp_path / "missing")
    MEASUREMENTS.to_csv(tmp_path / "measurements.csv", index=False)
    with pytest.raises(CohortDataError, match=r"no patients table.*found: measurements\.csv"):
        load_cohort(tmp_path)
    PATIENTS.to_csv(tmp_path / "patients.csv", index=False)
    PATIENTS.to_parquet(tmp_path / "patients.parquet")
    with pytest.raises(CohortDataError, match="holds 2 patients files"):
        load_cohort(tmp_path)


def test_single_patients_file(tmp_path):
    PATIENTS.to_csv(tmp_path / "trial.csv", index=False)
    cohort = load_cohort(tmp_path / "trial.csv")
    assert cohort.name == "trial"
    assert cohort.feature_columns == ["age"]


def test_wide_table_with_mapping_is_delegated(tmp_path):
    mapping_mod = pytest.importorskip("irpredict.data.mapping")
    wide = pd.DataFrame({"ID": ["a", "b", "c"], "pCR": [1, 0, 1], "tmb": [3.0, 1.0, 8.0]})
    wide.to_csv(tmp_path / "wide.csv", index=False)
    mapping = mapping_mod.ColumnMapping(id="ID", label="pCR", therapy_class="chemotherapy")
    cohort = load_cohort(tmp_path / "wide.csv", mapping=mapping)
    assert cohort.patients["patient_id"].tolist() == ["a", "b", "c"]
    assert set(cohort.patients["therapy_class"]) == {"chemotherapy"}


def test_toml_is_delegated_to_the_experiment_loader(tmp_path):
    pytest.importorskip("irpredict.experiment")
    path = tmp_path / "bad.toml"
    path.write_text('[study]\nname = "x"\n[dataa]\nsource = "x.csv"\n')
    with pytest.raises(ExperimentConfigError):
        load_cohort(path)


def test_a_header_only_measurements_file_is_said(tmp_path):
    import warnings

    from irpredict.data.loaders import load_folder
    from irpredict.exceptions import DataWarning

    pd.DataFrame({"patient_id": ["P1", "P2"], "therapy_class": "cytokine",
                  "response": [0, 1]}).to_csv(tmp_path / "patients.csv", index=False)
    (tmp_path / "measurements.csv").write_text("patient_id,biomarker,day,value,unit\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cohort = load_folder(tmp_path)
    assert cohort.n_patients == 2
    said = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    assert any("measurements.csv has a header but no rows" in m for m in said)
