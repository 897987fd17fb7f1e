"""Thread counts for a file -> file run (measurements: docs/transcode-threads.md).

A transcode keeps every core busy with three kinds of work that release the GIL:
the decoder (FFmpeg frame threads, light), the engine and the compositor (OpenCV,
in the processing thread) and the encoder (x264 frame threads, fed by the writer
thread).  On a 2-CPU machine more threads than CPUs only add switching: x264 gets
as many frame threads as there are CPUs (not its default 1.5x) and OpenCV one
thread (the encoder uses the other CPU).  With more CPUs the defaults of FFmpeg,
x264 and OpenCV are kept (not measured: no such machine was at hand).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

#: at most this many usable CPUs count as a "small" machine (the measured 2-CPU settings)
SMALL_MACHINE = 2


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask), or the CPU count."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclass(frozen=True)
class ThreadPlan:
    """Thread counts for one run; None = the library's own default."""

    cpus: int
    x264_threads: int | None     #: libx264 ``threads`` (frame threads)
    opencv_threads: int | None   #: cv2.setNumThreads while a file is processed


def thread_plan(cpus: int | None = None) -> ThreadPlan:
    n = cpus or usable_cpus()
    if n <= SMALL_MACHINE:
        return ThreadPlan(cpus=n, x264_threads=n, opencv_threads=1)
    return ThreadPlan(cpus=n, x264_threads=None, opencv_threads=None)


@contextlib.contextmanager
def opencv_threads(n: int | None):
    """Run the body with ``cv2.setNumThreads(n)`` (nothing when ``n`` is None); restores the
    previous count."""
    if n is None:
        yield
        return
    import cv2

    prev = cv2.getNumThreads()
    cv2.setNumThreads(n)
    try:
        yield
    finally:
        cv2.setNumThreads(prev)
