"""The test suite itself: a KeyboardInterrupt that a test makes in its own process and lets
escape (the code under test broken) fails that test alone (tests/own_interrupts.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

_TINY = '''
import os, signal, subprocess, sys, threading, time, _thread

def test_sends_itself_ctrl_c():
    signal.raise_signal(signal.SIGINT)

def test_kills_itself():
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(30)

def ctrl_c_from_a_thread():  # (a helper, as conftest's interrupt_when)
    threading.Thread(target=_thread.interrupt_main).start()

def test_its_thread_interrupts_it():
    ctrl_c_from_a_thread()
    time.sleep(30)

def test_a_stand_in_raises_it():
    raise KeyboardInterrupt

def test_after_them():
    pass

def test_ctrl_c_from_another_process():
    subprocess.run([sys.executable, "-c", f"import os, signal; os.kill({os.getpid()}, signal.SIGINT)"])
    time.sleep(30)

def test_never_run():
    pass
'''


def test_a_ctrl_c_a_test_makes_itself_fails_that_test_and_the_run_goes_on(tmp_path):
    """A test that sent its own process SIGINT (or raised KeyboardInterrupt in a stand-in) and
    whose code under test let it escape stopped the whole pytest run, exit 2, the tests after
    it not run: it fails alone, and the next tests run. A Ctrl-C from another process (the
    terminal's) still stops the run."""
    (tmp_path / "test_tiny.py").write_text(_TINY)
    tests = str(Path(__file__).resolve().parent)
    env = {**os.environ, "PYTHONPATH": tests + os.pathsep + os.environ.get("PYTHONPATH", "")}
    r = subprocess.run([sys.executable, "-m", "pytest", "-v", "-p", "own_interrupts", "-p", "no:cacheprovider",
                        str(tmp_path / "test_tiny.py")], capture_output=True, text=True, env=env, cwd=str(tmp_path),
                       timeout=120)
    outcomes = dict(re.findall(r"^test_tiny\.py::(\w+) (PASSED|FAILED)", r.stdout, re.M))
    assert outcomes == {"test_sends_itself_ctrl_c": "FAILED", "test_kills_itself": "FAILED",
                        "test_its_thread_interrupts_it": "FAILED", "test_a_stand_in_raises_it": "FAILED",
                        "test_after_them": "PASSED"}, r.stdout
    assert "escaped the test (made in its own process)" in r.stdout
    # (the last: stopped there, as by the user's Ctrl-C)
    assert r.returncode == 2 and "test_tiny.py::test_ctrl_c_from_another_process" in r.stdout, r.stdout
    assert "test_never_run" not in r.stdout and "!!! KeyboardInterrupt !!!" in r.stdout, r.stdout
