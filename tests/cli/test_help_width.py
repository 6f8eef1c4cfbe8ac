"""Every command's ``--help`` reads whole on an 80-column terminal."""

import pytest

from irpredict.cli import COMMANDS, main


@pytest.mark.parametrize("command", ["", *(name for name, _ in COMMANDS)])
def test_help_fits_80_columns_without_cutting_words(command, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit) as done:
        main([command, "--help"] if command else ["--help"])
    assert done.value.code in (0, None)
    text = capsys.readouterr().out
    assert "Usage: irpredict" in text
    assert "--help" in text
    too_wide = [line for line in text.splitlines() if len(line) > 80]
    assert too_wide == []
    assert "…" not in text


def test_examples_keep_their_lines(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert "irpredict validate experiments/transneo.toml --json summary.json" in lines
