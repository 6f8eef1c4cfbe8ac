"""Four processes logging to one SQLite store at once: every run arrives, FINISHED.

Marked slow: spawning four interpreters that each import MLflow takes most
of a minute on a busy two-core machine.
"""

import multiprocessing

import pytest

N_WORKERS = 4
N_CHILDREN = 3


def _worker(uri, index, ready, go, results):
    """Log one study run with N_CHILDREN children; report the parent run id."""
    import numpy as np
    import pandas as pd

    from irpredict.tracking import get_client, log_child_run, start_study_run

    get_client(uri)  # open the store before the start signal so the writes collide
    ready.put(index)
    go.wait(60)
    try:
        metrics = pd.DataFrame({"therapy_class": ["overall"], "auc": [0.5 + index / 100]})
        oof = pd.DataFrame({"patient_id": [f"W{index}-{i}" for i in range(300)],
                            "prob": np.linspace(0, 1, 300)})
        with start_study_run("concurrent", tracking_uri=uri, tags={"worker": index}) as study:
            for child in range(N_CHILDREN):
                params = {f"p{k}": k * child for k in range(40)}
                log_child_run(study, f"w{index}/c{child}", params, metrics, oof)
        from irpredict.tracking import store

        print(f"worker {index}: {store._RETRIES} lock retries")
        results.put((index, study.run_id, None))
    except Exception as exc:  # reported to the parent, which fails the test
        results.put((index, None, f"{type(exc).__name__}: {exc}"))


@pytest.mark.slow
def test_four_processes_write_one_store_at_once(tmp_path):
    # a brand-new store: the processes also race to create (migrate) it
    store = f"sqlite:///{tmp_path / 'mlruns' / 'mlflow.db'}"
    ctx = multiprocessing.get_context("spawn")
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=_worker, args=(store, i, ready, go, results))
             for i in range(N_WORKERS)]
    for proc in procs:
        proc.start()
    try:
        for _ in procs:
            ready.get(timeout=120)
        go.set()
        outcomes = [results.get(timeout=120) for _ in procs]
    finally:
        for proc in procs:
            proc.join(timeout=60)
    errors = [err for _, _, err in outcomes if err]
    assert errors == []

    from irpredict.tracking import get_client

    client = get_client(store)
    experiment = client.get_experiment_by_name("irpredict/concurrent")
    runs = client.search_runs([experiment.experiment_id], max_results=100)
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert sorted(r.info.run_id for r in parents) == sorted(run_id for _, run_id, _ in outcomes)
    assert [r.info.status for r in runs] == ["FINISHED"] * (N_WORKERS * (1 + N_CHILDREN))
    assert len(children) == N_WORKERS * N_CHILDREN
    for run in children:
        worker = int(run.info.run_name[1])
        assert len(run.data.params) == 40
        assert run.data.metrics["auc__overall"] == pytest.approx(0.5 + worker / 100)
        listed = [f.path for f in client.list_artifacts(run.info.run_id)]
        assert "oof_predictions.csv" in listed
