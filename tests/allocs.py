"""Bytes allocated per frame by the lines of one source file, transient arrays too.

``tracemalloc`` sees numpy's (and OpenCV's output) arrays, but a snapshot lists only those still
alive: a temporary made and freed within a call is gone by then.  Here each line of the file is
timed in memory instead: a line tracer resets tracemalloc's peak at each of the file's lines and
adds what the peak rose above the memory in use at its start, so a temporary of N bytes made on
a line counts N (work done in other files, called from one of its lines, counts for that line).

Import from tests as ``from allocs import allocated_per_frame`` (tests/ is on sys.path).
"""

from __future__ import annotations

import os
import sys
import tracemalloc


def allocated_per_frame(run, path: str, frames: int = 4, warm: int = 3) -> tuple[float, dict[int, int]]:
    """(bytes a frame, {line: bytes a frame}) that the lines of the source file ``path`` allocate
    while ``run(i)`` runs for ``frames`` frames, after ``warm`` frames (buffers made on the first
    call of a size are not counted)."""
    for i in range(warm):
        run(i)
    target = os.path.realpath(path)
    by_line: dict[int, int] = {}
    state = {"line": None, "base": 0}

    def account() -> None:
        cur, peak = tracemalloc.get_traced_memory()
        if state["line"] is not None and peak > state["base"]:
            by_line[state["line"]] = by_line.get(state["line"], 0) + peak - state["base"]
        tracemalloc.reset_peak()
        state["base"] = tracemalloc.get_traced_memory()[0]

    def mine(frame) -> bool:
        return frame is not None and os.path.realpath(frame.f_code.co_filename) == target

    def local(frame, event, arg):
        account()
        if event == "return":  # (back on the caller's line, where it is of the file: the rest of it)
            state["line"] = frame.f_back.f_lineno if mine(frame.f_back) else None
        else:
            state["line"] = frame.f_lineno
        return local

    def call(frame, event, arg):
        if not mine(frame):
            return None
        account()
        state["line"] = frame.f_lineno
        return local

    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    old = sys.gettrace()
    sys.settrace(call)
    try:
        for i in range(warm, warm + frames):
            run(i)
    finally:
        sys.settrace(old)
        if started:
            tracemalloc.stop()
    per_line = {k: v // frames for k, v in by_line.items()}
    return sum(by_line.values()) / frames, per_line
