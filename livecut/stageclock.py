"""CPU time per pipeline stage, for ``livecut bench --transcode``.

Each stage is timed with :func:`time.thread_time` in the thread that runs it (the
reader, the processing thread or the writer), so waiting on a queue or on another
thread never counts.  Work that codecs hand to their own worker threads (frame-
threaded decoding, x264's frame and lookahead threads) is not seen by the calling
thread: compare the sum of the stages with the process's CPU time to see it.
"""

from __future__ import annotations

import threading
import time


class StageClock:
    """Accumulates CPU seconds and calls per stage name, from any thread (a stage may be added
    to from two: the engine's, segmenting ahead, in the reader thread and its refinement in the
    processing thread)."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()

    @staticmethod
    def now() -> float:
        return time.thread_time()

    def add(self, stage: str, since: float) -> float:
        """Add the CPU time of this thread since ``since`` to ``stage``; return the time now
        (the start of the next stage)."""
        now = time.thread_time()
        with self._lock:  # (two threads' read-and-add could lose one's time)
            self.cpu[stage] = self.cpu.get(stage, 0.0) + (now - since)
            self.calls[stage] = self.calls.get(stage, 0) + 1
        return now

    def ms_per_frame(self, frames: int) -> dict[str, float]:
        """CPU milliseconds per frame by stage."""
        n = max(1, frames)
        return {k: v * 1e3 / n for k, v in self.cpu.items()}
