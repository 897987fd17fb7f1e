"""Real-time pacing for live outputs (virtual camera, network streams).

A :class:`Pacer` sleeps until a frame's timestamp is due on the wall clock, so
a file sent to a virtual camera or a UDP stream plays at its own speed.  A late
frame is never delayed: when the output falls more than ``resync_after``
seconds behind (slow pipeline, live source, reconnect) the clock restarts.  A
frame due more than ``max_wait`` seconds ahead is taken for a jump in the
timestamps and not waited for (None: every frame is waited for, as a file's
are: a frame its video holds for seconds -- a screen recording of a still
screen, a slideshow -- is shown for as long).  With ``slice`` the wait reads its
clock again every ``slice`` seconds: a clock that stands still (a paused run's,
see :meth:`livecut.runner.Pipeline.play_clock`) holds the frame until it runs
again; a ``sleep`` that returns True (an Event's ``wait``, the Event set) ends
the wait.
"""

from __future__ import annotations

import time
from typing import Callable

#: seconds ahead a frame may be due before it is taken for a jump in the timestamps
MAX_WAIT = 2.0


class Pacer:
    def __init__(self, fps: float, resync_after: float = 0.25,
                 clock: Callable[[], float] = time.perf_counter,
                 sleep: Callable[[float], object] = time.sleep, max_wait: float | None = MAX_WAIT,
                 slice: float | None = None) -> None:
        self.step = 1.0 / fps if fps and fps > 0 else 1 / 30
        self.resync_after = resync_after
        self.max_wait = max_wait
        self.slice = slice
        #: the clock the frames are due on (seconds)
        self.clock = clock
        self._sleep = sleep
        self._t0: float | None = None
        self._p0 = 0.0
        self._last: float | None = None
        self.slept = 0.0      #: total seconds spent waiting

    def wait(self, pts: float | None) -> None:
        """Return when the frame with timestamp ``pts`` (seconds, or None = next) is due."""
        if pts is None or (self._last is not None and pts <= self._last):
            pts = 0.0 if self._last is None else self._last + self.step
        self._last = pts
        now = self.clock()
        if self._t0 is None:
            self._t0, self._p0 = now, pts
            return
        due = self._t0 + (pts - self._p0)
        if due > now:
            if self.max_wait is not None and due - now > self.max_wait:
                # a jump in the timestamps: do not freeze the output
                self._t0, self._p0 = now, pts
                return
            while True:
                left = due - now if self.slice is None else min(due - now, self.slice)
                woken = self._sleep(left)
                self.slept += left
                if self.slice is None or woken is True:
                    break
                now = self.clock()
                if now >= due:
                    break
        elif now - due > self.resync_after:
            self._t0, self._p0 = now, pts
