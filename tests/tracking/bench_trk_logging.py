"""Time logging one study run with 12 child runs to an existing SQLite store.

Each child: ~50 params, ~100 metrics (5 groups x 20 metric columns), a
1,000-row out-of-fold table (hashed ids) and 3 small PNG figures. Run::

    .venv/bin/python tests/tracking/bench_trk_logging.py [--repeats 3] [--figure-objects]

Not collected by pytest (the name does not start with ``test_``).
"""

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _inputs(figure_objects):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    groups = ["checkpoint_inhibitor", "monoclonal_antibody", "cytokine", "adoptive_cell", "overall"]
    metrics = pd.DataFrame({"therapy_class": groups,
                            **{f"m{k:02d}": rng.random(len(groups)) for k in range(20)}})
    oof = pd.DataFrame({"patient_id": [f"PT-{i:05d}" for i in range(1000)],
                        "repeat": 0, "fold": np.arange(1000) % 5,
                        "therapy_class": rng.choice(groups[:4], 1000),
                        "y": rng.integers(0, 2, 1000), "prob": rng.random(1000), "model": "xgb"})
    params = {f"param_{k:02d}": float(k) / 7 for k in range(50)}
    figures = {}
    for name in ("roc", "calibration", "decision_curve"):
        fig, ax = plt.subplots(figsize=(3, 3))
        ax.plot(rng.random(20))
        if figure_objects:
            figures[name] = fig
        else:
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=100)
            figures[name] = buffer.getvalue()
            plt.close(fig)
    return params, metrics, oof, figures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--figure-objects", action="store_true",
                        help="pass matplotlib Figures (savefig timed) instead of PNG bytes")
    args = parser.parse_args(argv)

    from irpredict.tracking import get_client, log_child_run, start_study_run

    params, metrics, oof, figures = _inputs(args.figure_objects)
    with tempfile.TemporaryDirectory() as tmp:
        uri = f"sqlite:///{Path(tmp) / 'mlruns' / 'mlflow.db'}"
        started = time.perf_counter()
        get_client(uri)
        print(f"new store (migrations, first open): {time.perf_counter() - started:.2f} s")
        with start_study_run("bench", tracking_uri=uri):  # warm-up: experiment exists
            pass
        timings = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            with start_study_run("bench", tracking_uri=uri) as study:
                for child in range(12):
                    log_child_run(study, f"fs{child % 3}/model{child}", params, metrics, oof,
                                  figures=figures)
            timings.append(time.perf_counter() - started)
        kind = "Figure objects" if args.figure_objects else "PNG bytes"
        print(f"parent + 12 children ({kind}): "
              + ", ".join(f"{t:.2f}" for t in timings)
              + f" s; median {statistics.median(timings):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
