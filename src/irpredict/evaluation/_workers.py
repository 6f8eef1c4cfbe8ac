"""The worker processes that run an inner search's fits side by side."""

__all__ = ["worker_processes", "exit_with_parent"]


def worker_processes():
    """joblib's configuration for the fits of a search: loky worker processes that exit
    with the process that started them.

    Returns
    -------
    joblib.parallel_config
        A context manager; ``n_jobs`` stays the search's own.
    """
    import os

    from joblib import parallel_config

    return parallel_config(backend="loky", initializer=exit_with_parent,
                           initargs=(os.getpid(),))


def exit_with_parent(parent_pid):
    """Worker-process initializer: the worker exits as soon as ``parent_pid`` is gone.

    joblib's idle workers otherwise outlive a killed run by minutes, holding its memory
    and its output pipes.
    """
    import os
    import threading
    import time

    def watch():
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="irpredict-parent-watch", daemon=True).start()
