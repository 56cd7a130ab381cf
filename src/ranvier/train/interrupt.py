"""Ctrl-C, SIGTERM and SIGHUP during training: the run ends after the current step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._signals import describe

if TYPE_CHECKING:  # for the annotations only: the loop imports this module
    from .loop import _Loop

__all__: list[str] = []


def _how(loop: "_Loop") -> str:
    """The words for what interrupted the loop: ``Ctrl-C``, ``SIGTERM``, ``SIGHUP``."""
    return describe(loop.stop_signal)


class _StopOnInterrupt:
    """While training, a first Ctrl-C, SIGTERM or SIGHUP ends the run after the current step.

    The step in progress finishes (so no parameter is left half updated),
    the best parameters are restored and ``fit`` returns normally, with the
    signal in ``trainer.stop_signal`` (None when no signal stopped it); a
    second signal interrupts at once (:class:`ranvier._signals.Interrupted`,
    a KeyboardInterrupt).  A signal that is ignored (``nohup``) stays
    ignored.  Only the main thread can handle signals: elsewhere a Ctrl-C
    arrives as KeyboardInterrupt, caught by the loop.
    """

    def __init__(self, loop: "_Loop") -> None:
        self.loop = loop
        self.previous: dict = {}

    def __enter__(self) -> "_StopOnInterrupt":
        import signal
        import threading

        from .._signals import STOP_SIGNALS

        self.loop.stop_signal = self.loop.t.stop_signal = None
        if threading.current_thread() is threading.main_thread():
            for s in STOP_SIGNALS:
                previous = signal.getsignal(s)
                if previous is not signal.SIG_IGN:
                    self.previous[s] = previous
                    signal.signal(s, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        from .._signals import Interrupted

        if self.loop.interrupted:
            raise Interrupted(signum)
        self.loop.interrupted = True
        self.loop.stop_signal = self.loop.t.stop_signal = signum
        self.loop.t.stop_training = True

    def __exit__(self, *exc) -> None:
        import signal

        if self.loop.stop_signal is not None:
            self.loop.t.stop_signal = self.loop.stop_signal
        for s, handler in self.previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        self.previous.clear()

