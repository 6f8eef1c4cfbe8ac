"""Interrupts (Ctrl+C, SIGTERM) that arrived where Python could not raise them yet.

The command line's signal handler defers a signal that lands inside XGBoost or a
finalizer (raised there, it would be printed and ignored) and delivers it again a
moment later. A run that ends before that delivery must still end KILLED, not
FINISHED: :func:`deliver_pending` raises the interrupt at once.
"""

__all__ = ["Terminated", "PENDING", "SIGNALLED", "deliver_pending"]


class Terminated(KeyboardInterrupt):
    """SIGTERM (timeout, a batch scheduler, docker stop), handled like Ctrl+C."""


#: Signals received and not yet raised (deferred), latest last.
PENDING = []
#: SIGTERM signals raised as :class:`Terminated` (the command exits 143).
SIGNALLED = []


def deliver_pending():
    """Raise a deferred interrupt now (and cancel its timed delivery); nothing if none."""
    if not PENDING:
        return
    import signal

    signum = PENDING[-1]
    PENDING.clear()
    signal.setitimer(signal.ITIMER_REAL, 0)
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    SIGNALLED.append(signum)
    raise Terminated
