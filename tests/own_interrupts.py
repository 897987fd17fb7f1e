"""A pytest plugin (tests/conftest.py takes its hooks; ``-p own_interrupts`` elsewhere): a
KeyboardInterrupt that a test made in its own process -- a Ctrl-C it sends itself
(``signal.raise_signal``, ``os.kill(os.getpid(), ...)``, ``signal.pthread_kill``,
``_thread.interrupt_main``, itself or through a helper or a fixture of its folder) or a
``raise KeyboardInterrupt`` (a stand-in's) -- and that escapes it is a failure of that test.
pytest takes any KeyboardInterrupt for the user's Ctrl-C and stops the whole run (exit 2):
when the code under test no longer caught it, one broken handler aborted the suite, the later
tests not run.  A Ctrl-C in a test that makes none (the terminal's) still stops the run.

The tests are read, not watched: wrapping ``_thread.interrupt_main`` and the others in Python
would change what the code under test does with them (livecut's own, see runner.lock_safe)."""

from __future__ import annotations

import dis
import os
import types
from pathlib import Path

import pytest

#: livecut's own code: a KeyboardInterrupt raised there is what it does with a signal
_LIVECUT = str(Path(__file__).resolve().parent.parent / "livecut") + os.sep
_RAISE = bytes([dis.opmap["RAISE_VARARGS"]])
_SENDS = {"raise_signal", "interrupt_main", "pthread_kill", "KeyboardInterrupt", "Terminated"}


def _names(func, folder: str, seen: set, depth: int = 3) -> set:
    """The names ``func`` uses (its nested functions' too), and those of the functions of
    ``folder`` (helpers of the tests, conftest's) that it calls, ``depth`` calls deep."""
    names: set = set()
    codes = [getattr(func, "__code__", None)]
    while codes:
        code = codes.pop()
        if not isinstance(code, types.CodeType) or code in seen:
            continue
        seen.add(code)
        names.update(code.co_names)
        codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    if depth:
        space = getattr(func, "__globals__", {})
        for name in list(names):
            helper = space.get(name)
            code = getattr(helper, "__code__", None)
            if isinstance(code, types.CodeType) and os.path.dirname(code.co_filename) == folder:
                names |= _names(helper, folder, seen, depth - 1)
    return names


def _makes_interrupts(item) -> bool:
    """Whether the test ``item`` (its function, its fixtures of its folder) sends its own process a
    Ctrl-C or a signal, or raises KeyboardInterrupt."""
    func = getattr(item, "obj", None)
    code = getattr(func, "__code__", None)
    if code is None:
        return False
    folder, seen = os.path.dirname(code.co_filename), set()
    names = _names(func, folder, seen)
    info = getattr(item, "_fixtureinfo", None)
    for defs in (getattr(info, "name2fixturedefs", None) or {}).values():
        for d in defs:
            names |= _names(getattr(d, "func", None), folder, seen)
    return bool(names & _SENDS) or {"kill", "getpid"} <= names or {"killpg", "getpgrp"} <= names


def _raised_by_a_test(exc: BaseException) -> bool:
    """Whether ``exc`` was raised by a ``raise`` statement (not a signal's handler) outside
    livecut's code."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return False
    code = tb.tb_frame.f_code
    return not code.co_filename.startswith(_LIVECUT) and code.co_code[tb.tb_lasti:tb.tb_lasti + 1] == _RAISE


def _a_failure(item):
    """The phase's outcome; a KeyboardInterrupt that the test made itself, a failure of it."""
    try:
        return (yield)
    except KeyboardInterrupt as exc:
        if not (_raised_by_a_test(exc) or _makes_interrupts(item)):
            raise  # (the user's Ctrl-C: the run stops)
        raise pytest.fail.Exception(f"{type(exc).__name__}{exc.args or ''} escaped the test (made in its "
                                    "own process): the code under test did not take it") from exc


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    return (yield from _a_failure(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    return (yield from _a_failure(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    return (yield from _a_failure(item))
