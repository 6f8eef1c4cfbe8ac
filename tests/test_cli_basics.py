from irpredict import __version__


def test_version(cli):
    result = cli("--version")
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_help_lists_commands(cli):
    result = cli("--help")
    assert result.returncode == 0
    for name in ("demo", "simulate", "validate"):
        assert name in result.stdout


def test_unknown_command_is_usage_error(cli):
    result = cli("no-such-command")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_sigterm_inside_a_finalizer_is_deferred_not_lost():
    """An exception raised from a __del__ or weakref callback is printed and ignored, so the
    SIGTERM handler must recognise those frames and deliver the interrupt again later."""
    import sys

    from irpredict.cli import _in_finalizer

    seen = {}

    class Finalized:
        def __del__(self):
            seen["in __del__"] = _in_finalizer(sys._getframe())

    Finalized()
    assert seen == {"in __del__": True}
    assert _in_finalizer(sys._getframe()) is False
