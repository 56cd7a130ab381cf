"""The signals that end a run cleanly: Ctrl-C (SIGINT), SIGTERM and SIGHUP.

A run stopped by one of them ends as Ctrl-C ends it: after the step in
progress, with the best parameters restored and its files written; the
command then exits with the conventional status ``128 + signum`` (130 for
Ctrl-C, 143 for SIGTERM, 129 for SIGHUP).  :class:`SignalGuard` covers the
parts of a run outside the training loop: before training a signal stops at
once (:class:`Interrupted`), while the final files are written it is only
recorded, so that no file is left half written and the signal is not lost.
"""

from __future__ import annotations

import signal
import threading

__all__ = ["STOP_SIGNALS", "Interrupted", "SignalGuard", "describe", "exit_status"]

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class Interrupted(KeyboardInterrupt):
    """A stop signal arrived where the run could not stop cleanly after a step.

    A KeyboardInterrupt, so that code catching Ctrl-C catches it too;
    ``signum`` says which signal it was.
    """

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(describe(signum))
        self.signum = int(signum)


def describe(signum: int | None) -> str:
    """``'Ctrl-C'`` for SIGINT, else the signal's name (``'SIGTERM'``)."""
    if signum is None or signum == signal.SIGINT:
        return "Ctrl-C"
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def exit_status(signum: int | None) -> int:
    """The conventional exit status of a process ended by ``signum``: ``128 + signum``."""
    return 128 + int(signal.SIGINT if signum is None else signum)


class SignalGuard:
    """Handle the stop signals while active (main thread only; elsewhere it does nothing).

    ``defer=False``: a signal raises :class:`Interrupted` at once.
    ``defer=True``: it is recorded in ``received`` (the first one) and the
    code goes on; set :attr:`defer` while files are being written.
    """

    def __init__(self, *, defer: bool = False) -> None:
        self.defer = defer
        self.received: int | None = None
        self._previous: dict[int, object] = {}

    def _handle(self, signum, frame) -> None:
        if self.defer:
            if self.received is None:
                self.received = signum
            return
        raise Interrupted(signum)

    def __enter__(self) -> "SignalGuard":
        if threading.current_thread() is threading.main_thread():
            for s in STOP_SIGNALS:
                previous = signal.getsignal(s)
                if previous is signal.SIG_IGN:  # ignored on purpose (nohup): leave it so
                    continue
                self._previous[s] = previous
                signal.signal(s, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for s, handler in self._previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        self._previous.clear()
