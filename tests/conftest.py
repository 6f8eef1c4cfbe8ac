"""Shared fixtures.

Tests that read the real cohorts in ``../shared/data`` use the
``shared_data`` fixture: they skip with a reason when the folder is absent,
and fail instead when ``IRPREDICT_REQUIRE_SHARED_DATA=1`` (set by CI).
"""

import os
from pathlib import Path

import pytest
from hypothesis import settings

from cli_process import run_cli

# CI replays the same examples on every run, so that a run passes or fails for the code, not
# for the draw; elsewhere each run draws new examples (or replay one with --hypothesis-seed).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

TESTS = Path(__file__).resolve().parent
REPO_ROOT = TESTS.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.hookimpl(optionalhook=True)  # pytest-xdist may be absent
def pytest_xdist_make_scheduler(config, log):
    """Under ``pytest -n N --dist loadscope`` send each test folder to one worker.

    The folders' fixtures (a trained study, a running server) are session-scoped:
    split over workers, each worker would train its own. The files directly in
    ``tests/`` make one more scope.
    """
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FolderScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            path = nodeid.split("::", 1)[0]
            parts = path.split("/")
            return "/".join(parts[:2]) if len(parts) > 2 else parts[0]

    return FolderScheduling(config, log)


@pytest.fixture(scope="session", autouse=True)
def _private_cache_folder(tmp_path_factory):
    """Keep the cache (the empty MLflow store new stores copy) out of the user's home."""
    os.environ["IRPREDICT_CACHE_DIR"] = str(tmp_path_factory.mktemp("irpredict-cache"))


@pytest.fixture(scope="session")
def shared_data():
    """Path of ``../shared/data``; skip (or fail in CI) when it is absent."""
    if not SHARED_DATA.is_dir():
        reason = f"the shared cohorts folder {SHARED_DATA} is absent"
        if os.environ.get("IRPREDICT_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(reason + " (IRPREDICT_REQUIRE_SHARED_DATA=1)")
        pytest.skip(reason)
    return SHARED_DATA


@pytest.fixture(scope="session")
def repo_root():
    """Root of the repository (where pyproject.toml is)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def cli():
    """The :func:`run_cli` helper as a fixture."""
    return run_cli
