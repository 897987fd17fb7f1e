"""A stop (Ctrl-C, SIGTERM) raised while Python ran a weakref callback, delivered again (see
:func:`stops_redelivered`; public as ``livecut.errors.stops_redelivered``).  Imports none of
livecut's modules: the command's entry point sets the hook before it imports any other."""

from __future__ import annotations

#: signals whose stop was swallowed and made pending again (see :func:`stops_redelivered`),
#: for a handler that counts signals (marked ``counts_signals``) not to count them twice
REDELIVERED: list[int] = []


def stops_redelivered(previous):
    """A ``sys.unraisablehook`` over ``previous``: a Ctrl-C or SIGTERM whose KeyboardInterrupt
    (:class:`Terminated`) was raised while Python ran a weakref callback or a ``__del__``
    (importlib's module locks at start-up, a garbage collection) was printed as "Exception
    ignored in ..." and swallowed, the run going on as if no signal had come (about 1 start in
    200 under a SIGTERM in its first tenths of a second).  The signal is made pending again in
    the main thread (``_thread.interrupt_main``), its handler run anew out of that code; any
    other unraisable exception goes to ``previous``."""
    import _thread
    import collections
    import functools
    import signal
    import threading

    def hook(unraisable) -> None:
        exc = unraisable.exc_value
        if not isinstance(exc, KeyboardInterrupt) or threading.current_thread() is not threading.main_thread():
            previous(unraisable)
            return
        signum = getattr(exc, "signum", None) or signal.SIGINT
        if getattr(signal.getsignal(signum), "counts_signals", False):
            REDELIVERED.append(signum)
        # (made pending by a subscript, the hook's last step: after a call Python checks for
        # signals at once -- in this hook, whose exception would be swallowed again)
        again = collections.defaultdict(functools.partial(_thread.interrupt_main, signum))
        again[signum]

    hook.redelivers = True  # type: ignore[attr-defined]
    return hook
