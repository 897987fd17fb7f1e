"""Thread counts for a file -> file run (measurements: docs/transcode-threads.md).

A transcode keeps every core busy with three kinds of work that release the GIL:
the decoder (FFmpeg frame threads, light), the engine and the compositor (OpenCV,
in the processing thread) and the encoder (x264 frame threads, fed by the writer
thread).  On a 2-CPU machine more threads than CPUs only add switching: x264 gets
as many frame threads as there are CPUs (not its default 1.5x) and OpenCV one
thread (the encoder uses the other CPU).  With more CPUs the defaults of FFmpeg,
x264 and OpenCV are kept: on 4, 8 and 16 CPUs other OpenCV thread counts moved the
wall clock less than the noise between two runs of one setting, and a file run segments
each frame in the reader thread, ahead of its compositing (``video.segment_ahead = "auto"``):
5-16 % less wall clock on 4, 8 and 16 CPUs, no clear gain on 2.

A live source (a camera, a stream) comes at its own rate: there the cost that matters
is the CPU the run takes from the rest of the machine (a video call, the encoder of a
meeting app).  OpenCV's default (one thread per CPU) took 220 % of one core on 16 CPUs
for 14.3 ms a 1080p frame, one thread 80 % for 16.8 ms.  On more than 2 CPUs a live run
starts with one OpenCV thread (:class:`LiveThreads`) and goes to OpenCV's default only
if one thread falls behind the source.

:class:`Worker` is a thread whose ``is_alive()`` and ``join()`` a signal cannot fool (the
pipeline's reader, writer and closing, a stream's open).
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from dataclasses import dataclass

#: scheduling policies that run before every other thread of the machine (real time)
_REAL_TIME = tuple(getattr(os, n) for n in ("SCHED_FIFO", "SCHED_RR") if hasattr(os, n))


def _tasks() -> list[int]:
    """This process's threads (Linux: their IDs), or 0 (the calling thread) where they cannot be listed."""
    try:
        return [int(t) for t in os.listdir("/proc/self/task")]
    except (OSError, ValueError):
        return [0]


@contextlib.contextmanager
def keep_scheduling():
    """Keep this process's threads at the scheduling policy the calling thread has on entry.

    SVT-AV1 (``video.codec = libsvtav1``), when its encoder is opened by root, switches the
    calling thread to real time (SCHED_FIFO, priority 99, its ``enc_switch_to_real_time``), and
    every thread and process started from it afterwards inherits that: livecut's pipeline ran
    before everything else on the machine, and on 2 CPUs two of its threads that wait for a third
    held both CPUs and never let it run (a run at 95 % CPU for 25 minutes, the machine starved).
    On leaving, a thread that is real time where the calling thread was not is set back to the
    calling thread's policy (a process started real time on purpose, ``chrt``, is left as it is)."""
    try:
        policy, param = os.sched_getscheduler(0), os.sched_getparam(0)
    except (AttributeError, OSError):  # (no such call on this system)
        yield
        return
    try:
        yield
    finally:
        if policy not in _REAL_TIME:
            for tid in _tasks():
                try:
                    if os.sched_getscheduler(tid) in _REAL_TIME:
                        os.sched_setscheduler(tid, policy, param)
                except OSError:  # (a thread that ended meanwhile)
                    pass


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
    #: cv2.setNumThreads at the start of a live run (see :class:`LiveThreads`)
    live_opencv_threads: int | None = None
    #: a file run segments each frame in the reader thread, ahead of its compositing
    #: (``video.segment_ahead = "auto"``)
    segment_ahead: bool = False


def thread_plan(cpus: int | None = None) -> ThreadPlan:
    n = cpus or usable_cpus()
    if n <= SMALL_MACHINE:
        return ThreadPlan(cpus=n, x264_threads=n, opencv_threads=1)
    return ThreadPlan(cpus=n, x264_threads=None, opencv_threads=None, live_opencv_threads=1, segment_ahead=True)


def segments_ahead(setting: str, plan: ThreadPlan) -> bool:
    """Whether a file run segments ahead: ``video.segment_ahead`` ("on", "off", or "auto": the
    plan's choice for its CPUs)."""
    return plan.segment_ahead if setting == "auto" else setting == "on"


#: a live run's processing may take this share of the source's frame interval on average
#: before :class:`LiveThreads` gives OpenCV more threads
LIVE_BUSY_SHARE = 0.6
#: frames over which that average is taken
LIVE_WINDOW = 30


class LiveThreads:
    """The OpenCV threads of a live run: ``start`` threads, raised once to ``full`` (OpenCV's
    default when the run began) when the processing of the last :data:`LIVE_WINDOW` frames
    took more than :data:`LIVE_BUSY_SHARE` of the source's frame interval on average (one
    thread would fall behind the source and frames would be dropped).  Call it with each
    frame's processing time (ms); :attr:`raised` says whether it raised the count."""

    def __init__(self, fps: float | None, start: int, full: int):
        self.budget_ms = LIVE_BUSY_SHARE * 1e3 / (fps if fps and fps > 0 else 30.0)
        self.threads, self.full = start, full
        self.raised = False
        self._sum, self._n = 0.0, 0

    def __call__(self, ms: float) -> None:
        if self.raised or self.threads >= self.full:
            return
        self._sum += ms
        self._n += 1
        if self._n < LIVE_WINDOW:
            return
        if self._sum / self._n > self.budget_ms:
            import cv2

            cv2.setNumThreads(self.full)
            self.threads, self.raised = self.full, True
        self._sum, self._n = 0.0, 0


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


def one_at_a_time(doing: str):
    """Decorator of an instance's method that works in the instance's buffers (a Segmenter's,
    a Compositor's, a MaskSmoother's: ``doing`` says what it does, "segmenting"): refused with a
    :class:`~livecut.errors.UsageError` while another such call of the same instance is in
    progress, ``self._busy`` (a ``threading.Lock``) held.  One instance's buffers hold one
    frame: two threads sharing it got each other's results without a word, or a bare cv2.error
    or ValueError where their frames differed in size."""

    def deco(fn):
        @functools.wraps(fn)
        def call(self, *args, **kwargs):
            if not self._busy.acquire(blocking=False):
                from livecut.errors import UsageError

                cls = type(self).__name__
                raise UsageError(f"{cls}.{fn.__name__}: this {cls} is {doing} another frame now (a call "
                                 f"from another thread): one instance serves one thread at a time; make one "
                                 f"{cls} for each thread")
            try:
                return fn(self, *args, **kwargs)
            finally:
                self._busy.release()

        return call

    return deco


#: seconds the interpreter's exit waits, at most, for the workers still running (see
#: :func:`_wait_for_workers`)
EXIT_WAIT = 5.0
#: the workers started and not done (see :meth:`Worker.start`)
_RUNNING: set = set()
_AT_EXIT: list = []  # (the atexit callback, once registered)


def _wait_for_workers() -> None:
    """At the interpreter's exit: wait up to :data:`EXIT_WAIT` seconds for the workers still
    running.  A run ends without waiting for a read that outlasts its source's close (a file on
    a slow mount, a big frame decoded on a busy machine, ``max_frames`` reached while the reader
    read ahead); from Python (``run_video``), the program then ended while that reader was in
    OpenCV's or FFmpeg's code, and the reader, back into an interpreter being torn down, ended
    the process: 'terminate called without an active exception', status -6 (134 in a shell).
    The command line ends its process before this (see ``livecut.cli._exit_now_if_an_open_waits``);
    a worker stuck for good (a dead mount) is left after the wait, as before."""
    import time

    end = time.monotonic() + EXIT_WAIT
    try:
        for t in list(_RUNNING):
            if t.ident is not None:
                t.join(max(0.0, end - time.monotonic()))
    except KeyboardInterrupt:  # (Ctrl-C meanwhile: the program ends without waiting)
        pass


class Worker(threading.Thread):
    """A thread whose ``is_alive()`` and ``join()`` a signal cannot fool.  On Python 3.11 a
    ``join()`` interrupted by a signal handler's exception (Ctrl-C, SIGTERM's ``Terminated``)
    marks a thread that is still running as stopped (the interrupted wait releases the
    thread's own state lock, bpo-45274): ``is_alive()`` is False from then on and a further
    ``join()`` returns at once -- the pipeline's writer looked done in the middle of a frame
    and its file was closed under the write.  This one is done when its target has returned
    (an event), whatever interrupted a wait for it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._done = threading.Event()

    def start(self) -> None:
        if not _AT_EXIT:
            import atexit

            _AT_EXIT.append(atexit.register(_wait_for_workers))
        _RUNNING.add(self)
        try:
            super().start()
        except BaseException:
            if self.ident is None:  # (not started; a signal in start() may come once it runs)
                _RUNNING.discard(self)
            raise

    def run(self) -> None:
        try:
            super().run()
        finally:
            self._done.set()
            _RUNNING.discard(self)

    def is_alive(self) -> bool:
        return self.ident is not None and not self._done.is_set()

    def done(self) -> bool:
        """Whether its target has returned (False before it started, or while it starts)."""
        return self._done.is_set()

    def join(self, timeout: float | None = None) -> None:
        if self.ident is None:
            raise RuntimeError("cannot join thread before it is started")
        self._done.wait(timeout)
