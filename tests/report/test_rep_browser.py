"""The report renders in a real browser (headless Chromium), offline."""

import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(),
                    reason="/usr/bin/chromium is absent (apt-get install -y chromium); "
                           "scripts/render_report.sh does the same check by hand")
def test_report_renders_to_a_non_blank_screenshot(trained_study, cli, tmp_path):
    import numpy as np
    from PIL import Image

    folder, _, uri, run_id = trained_study
    report = tmp_path / "report.html"
    result = cli("report", "--run", run_id, "--out", report, "--tracking-uri", uri,
                 "--no-log", "--n-bootstrap", "20", cwd=folder)
    assert result.returncode == 0, result.stderr
    shot = tmp_path / "shot.png"
    profile = tmp_path / "profile"
    subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", f"--screenshot={shot}",
         "--window-size=1200,2000", report.resolve().as_uri()],
        capture_output=True, timeout=120, check=False)
    shutil.rmtree(profile, ignore_errors=True)
    assert shot.is_file(), "chromium wrote no screenshot"
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape == (2000, 1200)
    assert pixels.std() > 10  # text, tables and plots, not a blank page
    dark = (pixels < 128).mean()
    assert 0.005 < dark < 0.5
