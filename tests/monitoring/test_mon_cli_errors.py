"""CLI errors of `irpredict landmarks` / `irpredict monitor` that need no trained model."""

from mon_helpers import CLI_EXPERIMENT


def test_monitor_needs_a_patient_or_all(cli, tmp_path):
    done = cli("monitor", "-m", "models:/none@champion", "-d", tmp_path, cwd=tmp_path)
    assert done.returncode == 1
    assert "--patient" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_monitoring_section_is_refused_before_training(cli, tmp_path):
    experiment = tmp_path / "bad.toml"
    experiment.write_text(CLI_EXPERIMENT.replace("days = [0, 21, 42, 63]", "dayz = [0, 42]"),
                          encoding="utf-8")
    done = cli("landmarks", experiment, "--tracking-uri",
               f"sqlite:///{tmp_path / 'mlflow.db'}", cwd=tmp_path)
    assert done.returncode == 1
    assert "[monitoring]: unknown keys ['dayz']" in done.stderr


def test_monitor_names_an_unknown_registered_model(cli, tmp_path):
    from irpredict.tracking import get_client

    get_client(f"sqlite:///{tmp_path / 'mlflow.db'}")  # an existing store without that model
    done = cli("monitor", "-m", "models:/nothing@champion", "-d", tmp_path, "-p", "x",
               "--tracking-uri", f"sqlite:///{tmp_path / 'mlflow.db'}", cwd=tmp_path)
    assert done.returncode == 1
    assert "no registered model named 'nothing'" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_days_on_the_command_line_are_named_as_the_option(cli, tmp_path):
    experiment = tmp_path / "study.toml"
    experiment.write_text(CLI_EXPERIMENT, encoding="utf-8")
    for days in ("-5", "", "0,abc", "nan"):
        done = cli("landmarks", experiment, f"--days={days}", "--tracking-uri",
                   f"sqlite:///{tmp_path / 'mlflow.db'}", cwd=tmp_path)
        assert done.returncode == 1, days
        assert "--days must be comma-separated numbers of days >= 0" in done.stderr
        assert "[monitoring]" not in done.stderr


def test_a_bad_family_on_the_command_line_is_named_as_the_option(cli, tmp_path):
    experiment = tmp_path / "study.toml"
    experiment.write_text(CLI_EXPERIMENT, encoding="utf-8")
    done = cli("landmarks", experiment, "--family", "foo", "--tracking-uri",
               f"sqlite:///{tmp_path / 'mlflow.db'}", cwd=tmp_path)
    assert done.returncode == 1
    assert "--family must be one of" in done.stderr
    assert "(got 'foo')" in done.stderr
    assert "[monitoring]" not in done.stderr.split("must be")[0]


def test_an_infinite_as_of_day_is_refused(cli, tmp_path):
    done = cli("monitor", "-m", "models:/none@champion", "-d", tmp_path, "-p", "x",
               "--as-of", "inf", cwd=tmp_path)
    assert done.returncode == 1
    assert "--as-of must be a day (a finite number >= 0); got inf" in done.stderr
    assert "Traceback" not in done.stderr
