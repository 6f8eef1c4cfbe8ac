"""The worker processes that run an inner search's fits side by side."""

__all__ = ["worker_processes", "exit_with_parent"]


def worker_processes():
    """joblib's configuration for the fits of a search: loky worker processes that exit
    with the process that started them.

    A caller who chose another joblib backend (``joblib.parallel_config(backend=...)``,
    threads or a cluster) keeps it.

    Returns
    -------
    context manager
        ``joblib.parallel_config`` for loky, or a no-op one for another backend;
        ``n_jobs`` stays the search's own.
    """
    import contextlib
    import os

    from joblib import parallel_config
    from joblib.parallel import LokyBackend, get_active_backend

    backend, _ = get_active_backend()
    if not isinstance(backend, LokyBackend):
        return contextlib.nullcontext()
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
