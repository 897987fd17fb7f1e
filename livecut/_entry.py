"""The ``livecut`` command's entry point: Ctrl-C (or SIGTERM, SIGHUP) while the modules are
still being imported or the arguments read (the first few tenths of a second) ends with one
line and exit 130 (143, 129), not a Python traceback (nor, for SIGTERM, a death by the signal
without a word)."""

from __future__ import annotations

import sys


def _terminated_as_interrupted() -> None:
    """SIGTERM and SIGHUP raise :class:`livecut.errors.Terminated` from the start, as Ctrl-C
    raises KeyboardInterrupt, until the command takes them over (``finalize_on_signals``): before,
    they killed the process with no line (`livecut image` under a SIGTERM in its first 0.3 s: status
    -15, stderr empty).  One that livecut was started with ignored (``nohup``) stays ignored."""
    import signal

    from livecut.errors import Terminated

    def terminated(signum, frame):
        raise Terminated(signum)

    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None and signal.getsignal(sig) is signal.SIG_DFL:
            signal.signal(sig, terminated)


def _interrupt_taken() -> None:
    """Tell the interpreter that no KeyboardInterrupt escaped: livecut took it (one line, its
    exit code).  CPython 3.11 marks one that escaped code run by ``exec`` -- a dataclass's
    methods, made as a module is imported -- as unhandled for good, whoever catches it after, and
    at exit then kills the process with SIGINT: a Ctrl-C in livecut's first tenths of a second
    said 'interrupted' and ended with status -2, not 130 (a shell script stopped with it)."""
    try:
        import ctypes

        ctypes.c_int.in_dll(ctypes.pythonapi, "_Py_UnhandledKeyboardInterrupt").value = 0
    except (ImportError, AttributeError, ValueError, OSError):
        # (Python 3.12 and newer keep the mark in the runtime's state, which ctypes cannot name:
        # code run by exec, as the mark's own, clears it as it starts; a Ctrl-C in livecut's
        # start ended with status -2 there)
        exec("pass")


#: the atexit callback registered (see main)
_AT_THE_END: list = []


def _signals_ignored_at_the_end() -> None:
    """The last of the program's atexit callbacks (registered first): SIGINT, SIGTERM and SIGHUP
    are ignored from here on.  The command is over, its outputs closed and its exit code set;
    Python's teardown, which follows (tens of milliseconds: a batch's modules freed), puts the
    default action back in place of its handlers, and a Ctrl-C then killed the process: `livecut
    batch` said '8 done, 0 failed' and ended by SIGINT, status -2 (SIGTERM: -15), not 0.  Its
    waits for the threads still running and the other atexit callbacks come before: a Ctrl-C
    still stops those."""
    import signal

    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None and callable(signal.getsignal(sig)):
            signal.signal(sig, signal.SIG_IGN)


def _while_over(signum, frame) -> None:
    """The handler of a signal once the command is over (:func:`command_over`): none."""


#: the command is over (see :func:`command_over`)
_OVER: list = []


def command_over() -> None:
    """The command is over -- its run ended and its outputs are finalized, its summary is about to
    be said, its exit code set: a Ctrl-C, SIGTERM or SIGHUP from here to the process's end
    changes neither what it says nor its code.  Each handled is handled by :func:`_while_over`
    (one ignored, as livecut was started with it, stays so), and
    ``livecut.runner.finalize_on_signals`` leaves it so as it ends (an outer one: `livecut file
    -`'s copy of the pipe, removed after the summary); the last atexit callback ignores them
    (:func:`_signals_ignored_at_the_end`).  One that landed once the summary was said, before
    that callback, ended the run with a bare 'livecut: error: interrupted' under its summary,
    exit 130 (143, 129), its output whole.  A no-op outside the main thread, or where this entry
    point is not running (a CliRunner, a program that calls ``livecut.cli.main``: its process
    goes on after the command)."""
    import signal
    import threading

    if not _AT_THE_END or threading.current_thread() is not threading.main_thread():
        return
    _OVER[:] = [True]
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None and callable(signal.getsignal(sig)):
            signal.signal(sig, _while_over)


def main() -> None:
    import atexit

    if not _AT_THE_END:  # (once, before any other: the last to run)
        _AT_THE_END.append(atexit.register(_signals_ignored_at_the_end))
    try:
        from livecut._redeliver import stops_redelivered

        # (a stop raised in a weakref callback -- importlib's, while the modules below load, from
        # livecut.errors on: set after it, one while it loaded was swallowed -- is delivered
        # again, not swallowed: see stops_redelivered)
        if not getattr(sys.unraisablehook, "redelivers", False):
            sys.unraisablehook = stops_redelivered(sys.unraisablehook)
        _terminated_as_interrupted()
        from livecut.atomic import removed_when_killed

        removed_when_killed()  # (SIGQUIT, SIGUSR1: the temporaries made, removed first)
        from livecut.cli import main as cli_main

        # (a Ctrl-C that the command has not taken over yet -- while it reads its arguments
        # and imports what it needs -- ends here as well)
        cli_main()
    except (KeyboardInterrupt, Exception) as exc:
        from livecut.errors import interrupt_under, stop_text

        # (also one that Python wrapped: a Ctrl-C in a class's __set_name__ as typer imports
        # platform is a RuntimeError in Python 3.11, which was a traceback and exit 1)
        stop = interrupt_under(exc)
        if stop is None:
            raise
        try:
            sys.stderr.write(f"livecut: error: {stop_text(stop)}\n")
        except (OSError, ValueError, AttributeError):
            pass
        raise SystemExit(getattr(stop, "exit_code", 130)) from None
    finally:  # (every exit: livecut takes every Ctrl-C, here or in the command)
        while True:
            try:
                _interrupt_taken()
                break
            except KeyboardInterrupt:
                # (a second Ctrl-C as the command ends, the first said: the command is over, its
                # line said and its exit code set; it was a traceback from the import of ctypes
                # here and status -2, not 130)
                continue
