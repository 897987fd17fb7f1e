"""The video pipeline: reader thread -> bounded queue -> processing -> writer thread.

- A *file* source never drops a frame: the reader blocks on a full queue.
- A *live* source (camera, stream, file with ``live=True``) never blocks: the
  reader keeps only the newest frame in a one-slot mailbox; frames replaced
  before processing took them are counted as drops, except while the run is paused
  (so are processed frames a slow writer could not take: the oldest waiting for it goes; all but
  the newest where a sink is watched as it plays, a virtual camera or a stream: see _newest_only).  A source that
  sends in bursts (HLS) keeps a few seconds of frames, and its processed frames
  wait for the writer (the preview polled meanwhile).  A source that holds its frames (a stream
  over HTTP without its size, until its pace says it is live; for good when it is a file) drops
  none: its reader waits for room, the source reading ahead meanwhile; so do the frames a live
  stream's connection starts with, which come at once, until the engine has caught up with
  them (``source.catching_up()``, see StreamSource.catching_up).
- Processing runs in the calling (main) thread, so Ctrl-C lands there and GUI
  sinks (the preview window) are driven from the main thread.
- An exception in any stage sets the stop event; the main loop notices within
  ``POLL`` seconds, drains the queues while joining the threads, and re-raises
  the worker's error (a :class:`LivecutError` as is, anything else as a
  :class:`StageError` naming the stage).

:func:`run_video` is the library entry point of ``livecut cam/file/run``.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import math
import numbers
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import cv2
import numpy as np

from livecut.composite import (COVER_MAX_SCALED, MODES, SHOWN_MODES, Compositor, check_rotation, check_sample_aspect,
                               mode_word, parse_background)
from livecut.config import Config, whole_config
from livecut._entry import _OVER
from livecut._redeliver import REDELIVERED, stops_redelivered
from livecut.errors import (ConfigTypeError, ImageSizeError, IncompleteError, LivecutError, OutputExistsError,
                            StageError, Terminated, UsageError, VideoOpenFailure, interrupt_under, stop_text)
from livecut.frames import Upright, check_flag
from livecut.progress import clock
from livecut.segment import Segmenter
from livecut.segment.bars import framing
from livecut.smooth import MaskSmoother
from livecut.threads import Worker

POLL = 0.05          #: seconds between checks of the stop event
JOIN_TIMEOUT = 1.0   #: seconds to wait for a worker thread after stop
#: a writer that has written no frame for this long at the end of a run is stuck in a sink
WRITER_STALL = 5.0
#: after Ctrl-C, a signal or an error, a writer to a peer (``-o -``, a stream, a virtual camera)
#: that writes nothing for this long is stuck; cancelled, it is given as long again to end (the
#: run ends within a second of the signal or the error)
HURRY_STALL = 0.4
#: a live source's frames: the smoothing's times are kept in seconds at the rate they are processed,
#: measured (the median interval of their timestamps) over this many frames, and again every as many
#: -- a camera that gives 10 fps in low light while its format says 30, frames dropped while the
#: processing does not keep up -- where it is RATE_OFF or more off the rate the smoothing has
RATE_FRAMES = 25
RATE_OFF = 0.1
#: the command's run (file, cam, run): its source's close (its ``__exit__``, after the outputs
#: are in place) is waited for this long, then left (see :class:`_ClosedLeftOnASignal`) -- an
#: RTSP server that does not answer its TEARDOWN, a camera's driver that does not let go.  The
#: scale of video.read_timeout's default (5 s, a stream's wait for data): a healthy close, a
#: stream's TEARDOWN on a slow network, a camera's release, a file on a slow mount, takes
#: well under it (a stream's close waits up to 0.5 s for a read, then leaves it to that read)
CLOSE_TIMEOUT = 5.0
_END = object()


class Interrupted(LivecutError):
    """Ctrl-C (or SIGTERM/SIGHUP): the output was finalized with the frames so far."""

    exit_code = 130

    def __init__(self, message: str, exit_code: int = 130):
        super().__init__(message)
        self.exit_code = exit_code


#: the signals that came once the outputs of the run being ended were finalized or in place,
#: and did nothing there (see :func:`finalize_on_signals`), each with whether that run reached
#: its end (not stopped by a signal): a source's close still running then is left (see
#: :class:`_ClosedLeftOnASignal`)
_LATE: list[tuple[int, bool]] = []
#: for each :func:`finalize_on_signals` entered (the innermost last): whether the run it guards
#: is the command's (``ends_command``: its source's close is then waited for CLOSE_TIMEOUT at
#: most), and the signals that stopped it (none: it reached its end)
_ENDS_COMMAND: list[tuple[bool, list[int]]] = []


def _on_its_way_out(signum, frame) -> None:
    """The handler of a signal once a run was stopped by one (:func:`finalize_on_signals`): none
    but noting it (a source's close that hangs is left: see :class:`_ClosedLeftOnASignal`)."""
    _LATE.append((signum, False))


def ignore_signals_on_the_way_out() -> None:
    """For a program about to exit after a run stopped by a signal (the CLI, once its exit code
    is set): the signals handled by :func:`_on_its_way_out` are ignored from here on.  Python's
    shutdown puts the default back in place of every handler of its own, so a repeated SIGTERM
    (a supervisor's, a second ``kill``) that landed while the interpreter was being torn down
    killed the process after its output was finalized and its line printed: status -15, not
    143.  Ignoring survives that shutdown.  A no-op outside the main thread."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        return
    for s in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, s) and signal.getsignal(getattr(signal, s)) is _on_its_way_out:
            signal.signal(getattr(signal, s), signal.SIG_IGN)


#: for each :func:`finalize_on_signals` entered (the innermost last): what makes its signals
#: do nothing once the outputs it guards are finalized (:func:`outputs_finalized`)
_SETTLE: list[Callable[[], None]] = []


def outputs_finalized() -> None:
    """The outputs of a run stopped by a signal are finalized (closed, renamed into place): a
    third signal -- which aborts the finalizing, see :func:`finalize_on_signals` -- has nothing
    left to abort and is ignored.  One landing after the rename but before the run's line was
    made ended the run with a bare 'stopped by SIGTERM', its output at the final name, whole,
    unmentioned.  For the main thread; a no-op elsewhere or where no signal stopped the run."""
    if _SETTLE and threading.current_thread() is threading.main_thread():
        _SETTLE[-1]()


#: for each :func:`finalize_on_signals` entered (the innermost last): what makes its signals do
#: nothing once the run it guards has its outputs in place (:func:`outputs_in_place`)
_IN_PLACE: list[Callable[[], None]] = []


def outputs_in_place() -> None:
    """The outputs of a run are all finalized -- closed, renamed into place, none failed -- and
    no signal stopped it: where the run is the command's (``finalize_on_signals(ends_command=True)``:
    file, cam, run) the command is over, and a signal from here on does nothing (its summary
    stands, its exit code is the run's).  One that landed after the rename, as the source closed
    or run_video returned, before the summary, said a bare 'livecut: error: interrupted' (or
    'interrupted (out.mp4 finalized with N frames)'), exit 130 (143, 129), the output whole at
    its name.  For the main thread; a no-op elsewhere."""
    if _IN_PLACE and threading.current_thread() is threading.main_thread():
        _IN_PLACE[-1]()


def _outputs_closed(exc_type, exc, tb) -> bool:
    """An exit callback of a run's ExitStack, after its outputs' (see :func:`outputs_finalized`,
    :func:`outputs_in_place`: where none failed as it closed -- first, with no step between the
    outputs' closing and it)."""
    if exc_type is None:
        outputs_in_place()
    outputs_finalized()
    return False


#: for each :func:`finalize_on_signals` entered (the innermost last): what makes its signals
#: leave the finalizing of a run that reached its end going on (:func:`outputs_finishing`), and
#: what returns the one that came meanwhile
_FINISH: list[Callable[[bool], None]] = []
_FINISHED_BY: list[Callable[[], int | None]] = []


def outputs_finishing(on: bool = True) -> None:
    """The run reached its end and its outputs are about to be finalized (``on``; False: the run
    is over): a signal from here on is taken as one that stops a run mid-way, while its outputs
    are finalized -- the finalizing goes on (a second is ignored, a third aborts it), and
    :func:`signal_while_finishing` says it.
    One that landed there aborted it: a Ctrl-C as a finished video's index was written or its
    data flushed to the disk threw the whole output away, 'interrupted', where one a frame
    earlier kept the frames so far; one after it was put in place said a bare 'interrupted', the
    whole output at its name unmentioned.  For the main thread; a no-op elsewhere."""
    if _FINISH and threading.current_thread() is threading.main_thread():
        _FINISH[-1](on)


def signal_while_finishing() -> int | None:
    """The signal that came while the outputs of a run that reached its end were finalized
    (:func:`outputs_finishing`), or None; said once."""
    if _FINISHED_BY and threading.current_thread() is threading.main_thread():
        return _FINISHED_BY[-1]()
    return None


def finalize_on_signals(ends_command: bool = False):
    """Context manager: SIGINT, SIGTERM and SIGHUP raise :class:`Terminated` in the main thread
    (each that is not ignored when it starts: ``nohup`` ignores SIGHUP, a script's ``&`` SIGINT).
    A second signal while the outputs are being finalized is ignored; a third one aborts the
    finalizing (the temporary output is then removed, the final name left as it was), and the
    ones after it do nothing (they cut the removal short).  ``ends_command``: the run it guards
    is the command's (the CLI's file, cam, run), over once that run's outputs are in place
    (:func:`outputs_in_place`): from then on the signals do nothing, to the end of the block
    (where the command calls ``livecut._entry.command_over``, which keeps them so).  For
    programs (the CLI) that own the process; a no-op outside the main thread."""
    import contextlib
    import signal

    @contextlib.contextmanager
    def cm():
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        fired = []
        finishing, taken = [], []  # (the run reached its end; the signal then: see outputs_finishing)
        over = []  # (the command's run has its outputs in place: see ends_command)

        def handler(signum, frame):
            if signum in REDELIVERED:  # (its stop swallowed in a weakref callback: raised again)
                REDELIVERED.remove(signum)
                if not fired:
                    fired.append(signum)
                raise Terminated(fired[0])
            if over and not fired:  # (its summary and its exit code stand; a source's close left)
                _LATE.append((signum, True))
                return
            fired.append(signum)
            if finishing and len(fired) == 1:  # (its outputs finalized all the same: said after)
                taken.append(signum)
                return
            # (the first stops the run and the third aborts the finalizing; the second is ignored,
            # and so is each after the third: one raised in the abort's own cleanup left the
            # output's temporary file -- a supervisor's SIGTERM repeated)
            if len(fired) in (1, 3):
                raise Terminated(fired[0])

        handler = lock_safe(handler)
        handler.counts_signals = True  # type: ignore[attr-defined]

        def settle():
            # once stopped by a signal the process is on its way out with 128 + signal: a
            # repeated signal must not kill it with a different status meanwhile, nor, once the
            # outputs are finalized, abort what is done (a handler that does nothing, not
            # SIG_IGN: a signal found ignored is one the process was started with ignored, left
            # so by the next run in this process, see below)
            if fired:
                for s in sigs:
                    signal.signal(getattr(signal, s), _on_its_way_out)

        # (one ignored when the run starts stays so: SIGHUP under `nohup livecut ... &`, SIGINT in a
        # script's background job -- the handler replaced the ignoring, and a terminal closed cut
        # a transcode started with nohup short, 'stopped by SIGHUP')
        sigs = [s for s in ("SIGINT", "SIGTERM", "SIGHUP")
                if hasattr(signal, s) and signal.getsignal(getattr(signal, s)) is not signal.SIG_IGN]
        saved = {s: signal.signal(getattr(signal, s), handler) for s in sigs}
        _SETTLE.append(settle)

        def in_place() -> None:
            if ends_command:
                over[:] = [True]

        _IN_PLACE.append(in_place)

        def finish(on: bool) -> None:
            finishing[:] = [True] if on else []

        def finished_by() -> int | None:
            return taken.pop() if taken else None

        _FINISH.append(finish)
        _FINISHED_BY.append(finished_by)
        _ENDS_COMMAND.append((ends_command, fired))
        _LATE.clear()
        unraisable = sys.unraisablehook
        if not getattr(unraisable, "redelivers", False):  # (the command's entry point set it already)
            sys.unraisablehook = stops_redelivered(unraisable)
        try:
            yield
        finally:
            sys.unraisablehook = unraisable
            _SETTLE.remove(settle)
            _IN_PLACE.remove(in_place)
            _FINISH.remove(finish)
            _FINISHED_BY.remove(finished_by)
            _ENDS_COMMAND.pop()
            _LATE.clear()
            if fired:
                settle()
            elif not _OVER:  # (the command over: its signals do nothing from then on, see command_over)
                for s, h in saved.items():
                    signal.signal(getattr(signal, s), h)

    return cm()


#: how long a signal is held back while the main thread is inside a lock's bookkeeping (see
#: :func:`lock_safe`): past it (a lock that is never had), the next signal is raised wherever it lands
LOCK_SAFE_HOLD = 0.5


def _lock_sensitive() -> frozenset:
    """The code of the pure-Python parts of :class:`threading.Condition` (under every
    ``queue.Queue`` and ``threading.Event``, a :class:`Worker`'s join included) in which an
    exception leaves a lock wrong: ``__enter__`` once the lock is had and ``__exit__`` before
    it is let go (the ``with`` never releases it: the next ``get`` or ``set`` of the queue or
    event, in any thread, waits on it for good), ``_release_save`` and ``_acquire_restore``
    (released twice), ``notify`` (a waiter woken but left listed) and ``_is_owned``."""
    import threading

    names = ("__enter__", "__exit__", "_release_save", "_acquire_restore", "_is_owned", "notify")
    return frozenset(f.__code__ for f in (getattr(threading.Condition, n, None) for n in names)
                     if hasattr(f, "__code__"))


def lock_safe(handler: Callable) -> Callable:
    """``handler`` (a signal handler that raises: Ctrl-C's, :func:`finalize_on_signals`'), held
    back while the main thread, where it runs, is inside :func:`_lock_sensitive` code: the
    signal is made pending again (``_thread.interrupt_main``) and handled at the main thread's
    next check for signals, out of that code (microseconds later).  A Ctrl-C raised the moment
    a queue's or an event's lock was had left it held: the pipeline's end then waited on that
    lock for good, in the main thread and in the reader or the writer (`livecut file` ran on
    9 minutes after Ctrl-C).  A signal held back for over LOCK_SAFE_HOLD (a lock never had) is
    raised the next time."""
    import _thread
    import functools

    sensitive = _lock_sensitive()
    held: list[float] = []

    def guarded(signum, frame):
        if frame is not None and frame.f_code in sensitive:
            now = time.monotonic()
            if not held:
                held.append(now)
            if now - held[0] < LOCK_SAFE_HOLD:
                again = collections.defaultdict(functools.partial(_thread.interrupt_main, signum))
                # (made pending by a subscript, the handler's last step: after a call, Python checks
                # for signals at once -- in this handler, which then raised it from here)
                again[signum]
                return None
        held.clear()
        return handler(signum, frame)

    return guarded


def _lock_safe_ctrl_c():
    """Context manager: Python's own Ctrl-C handler (a program's that calls the library, a
    test's ``_thread.interrupt_main``) made :func:`lock_safe` while it runs (in the main thread;
    :func:`finalize_on_signals`' handlers are already).  Put back after, unless replaced meanwhile."""
    import contextlib
    import signal

    @contextlib.contextmanager
    def cm():
        if (threading.current_thread() is not threading.main_thread()
                or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
            yield
            return
        guarded = lock_safe(signal.default_int_handler)
        signal.signal(signal.SIGINT, guarded)
        try:
            yield
        finally:
            if signal.getsignal(signal.SIGINT) is guarded:
                signal.signal(signal.SIGINT, signal.default_int_handler)

    return cm()


def _source_name(source, spec, kind: str) -> str:
    """How a message names a run's source: its file's path, its URL with any secret left out,
    or its camera's index (``spec``, as given, for a registered source that says none)."""
    from livecut.urls import redact_url

    return (getattr(source, "path", None) or getattr(source, "safe_url", None)
            or (f"camera {spec}" if kind == "camera" else redact_url(str(spec))))


class _ClosedLeftOnASignal:
    """A run's source, entered as itself; closed (its ``__exit__``) in a helper thread, waited
    for up to CLOSE_TIMEOUT where the run is the command's (:data:`_ENDS_COMMAND`), else as long
    as it takes -- and, where a signal comes once the run's outputs are finalized or in place
    (:data:`_LATE`), given JOIN_TIMEOUT more from it: the close is then left.  Its close, in
    the main thread, was the run's last step, after its outputs were put in place, where the
    signals do nothing (the summary and the exit code stand; a run stopped by a signal is on its
    way out): a close that hung (an RTSP server that does not answer TEARDOWN, a camera's
    driver) made the run unkillable, Ctrl-C and SIGTERM ignored, the output whole at its name,
    until a ``kill -9``; with no signal, the command never ended.  Left, a close that ends a
    run that reached its end is said in a warning (the run's summary and exit code stand, 0);
    one that ends a run stopped by a signal or by an error leaves its line and code as they
    were (the command line then ends its process at once: see
    ``livecut.cli._exit_now_if_an_open_waits``).  Outside the command line (no
    :func:`finalize_on_signals`), a Ctrl-C while the close waits raises in the main thread, as
    it did inside the close (a close left there would still run, in FFmpeg's or OpenCV's code,
    as the program's interpreter shuts down)."""

    def __init__(self, source, spec, kind: str, warnings: list[str]):
        self.source, self.spec, self.kind, self.warnings = source, spec, kind, warnings

    def __enter__(self):
        return type(self.source).__enter__(self.source)

    def __exit__(self, *exc):
        result: list = []

        def close() -> None:
            try:
                result.append((True, type(self.source).__exit__(self.source, *exc)))
            except BaseException as e:  # noqa: BLE001 -- raised in the main thread
                result.append((False, e))

        main = threading.current_thread() is threading.main_thread()
        # (the command's: a source's close that does not end, with no signal, held the command
        # for good, its output whole at its name)
        guard = _ENDS_COMMAND[-1] if main and _ENDS_COMMAND else (False, [])
        end = time.perf_counter() + CLOSE_TIMEOUT if guard[0] else None
        t = Worker(target=close, name="livecut-close", daemon=True)
        t.start()
        left = None
        while not t.done():
            if _LATE and main:
                if left is None:
                    left = time.perf_counter() + JOIN_TIMEOUT
                elif time.perf_counter() >= left:
                    break
            if end is not None and time.perf_counter() >= end:
                break
            t.join(POLL)
        if not t.done():  # (left running: a daemon thread, which the command line does not wait for)
            where = _source_name(self.source, self.spec, self.kind)
            if exc[0] is not None or guard[1]:
                pass  # (stopped by a signal or an error: its line says it)
            elif _LATE and main:
                if _LATE[0][1]:  # (reached its end)
                    import signal

                    try:
                        name = signal.Signals(_LATE[0][0]).name
                    except ValueError:
                        name = "a signal"
                    self.warnings.append(f"{where}: did not close; stopped waiting for it at {name} "
                                         f"(the outputs were complete)")
            else:
                self.warnings.append(f"{where}: did not close within {CLOSE_TIMEOUT:g} s; left it "
                                     f"(the outputs were complete)")
            return False
        ok, value = result[0]
        if not ok:
            raise value
        return value


@dataclass
class Stats:
    """What happened in a run (also updated live, for the progress line and the overlay)."""

    frames_in: int = 0           #: frames the source delivered
    processed: int = 0           #: frames processed
    written: int = 0             #: frames written to the sinks
    dropped: int = 0             #: live frames skipped (the newest frame wins)
    corrupt: int = 0             #: undecodable packets skipped by the source
    #: frames at the start of a file that could not be decoded (it starts between key frames)
    lead_dropped: int = 0
    #: those frames were lost to damage at its start (see FileSource.lead_damaged): said in
    #: ``partial``, not as a clip that starts between key frames
    lead_damaged: bool = False
    #: on progress.clock, which leaves out the time the process was stopped (Ctrl-Z ... fg)
    started: float = field(default_factory=clock)
    #: the run's seconds; of a paced source's, the frames' own (see :attr:`fps`)
    elapsed: float = 0.0
    #: the frames come at the source's own rate (a camera, a stream, a --live or paced file), not
    #: as fast as they are processed: see :attr:`fps`
    paced: bool = False
    #: when (progress.clock) the first and the last frame processed were taken up
    first_at: float | None = None
    last_at: float | None = None
    latencies_ms: collections.deque = field(default_factory=lambda: collections.deque(maxlen=120))
    process_ms: collections.deque = field(default_factory=lambda: collections.deque(maxlen=120))
    #: ms a frame segmented ahead took in the reader thread (video.segment_ahead), not in process_ms
    segment_ms: collections.deque = field(default_factory=lambda: collections.deque(maxlen=120))
    warnings: list[str] = field(default_factory=list)
    #: what of the input could not be read and the output lacks ("25 of the video's 100 frames",
    #: "1 s of the video": damaged data skipped, an HLS segment not given), said in ``warnings``
    #: too; the run still ends (exit 0), and its summary says the output is partial
    partial: list[str] = field(default_factory=list)
    interrupted: bool = False
    #: how frames travelled from the source to the sinks: "bgr24" or "yuv420p" (I420, no conversion)
    pixel_format: str = "bgr24"
    #: frames on which the engine judged focus anew (cues + network); the others reused a
    #: judgement (segment.every, segment.still); None for a method that judges every frame
    judged: int | None = None
    #: frames judged by the noisy network (sensor noise) and by the soft network (soft at
    #: pixel scale) instead of the standard one (focusnet; 0 for another method)
    judged_noisy: int = 0
    judged_soft: int = 0
    #: OpenCV threads the processing ran with at the end (None: OpenCV's default, untouched)
    opencv_threads: int | None = None
    #: whether frames were segmented in the reader thread, ahead of their compositing
    segmented_ahead: bool = False

    @property
    def fps(self) -> float:
        """Frames processed a second: of a file read as fast as it is processed, over the run's
        seconds (its throughput); of a paced source's, over the frames' own span, from the first
        taken up to the last, which holds one frame interval fewer than the frames (180 frames
        of a 30 fps clip played live were said at 30.1 fps, 45 at 30.7: n over n - 1 intervals)."""
        span = self._span()
        if span is not None:
            return (self.processed - 1) / span
        t = self.elapsed or (clock() - self.started)
        return self.processed / t if t > 0 else 0.0

    def _span(self) -> float | None:
        """A paced source's frames' span (seconds from the first processed to the last), where
        it holds two frames or more; None otherwise."""
        if not self.paced or self.processed < 2 or self.first_at is None or self.last_at is None:
            return None
        span = self.last_at - self.first_at
        return span if span > 0 else None

    def finish(self, now: float) -> None:
        """The run ended at ``now`` (progress.clock): :attr:`elapsed` is set, a paced source's to
        the time its frames take, the span of their n - 1 intervals and one more (n frames of a
        30 fps clip, n / 30 s: the line's frames, seconds and fps agree), the run's otherwise."""
        span = self._span()
        self.elapsed = (span * self.processed / (self.processed - 1) if span is not None
                        else now - self.started)

    @property
    def latency_ms(self) -> float:
        return float(np.mean(self.latencies_ms)) if self.latencies_ms else 0.0

    @property
    def process_ms_mean(self) -> float:
        return float(np.mean(self.process_ms)) if self.process_ms else 0.0

    @property
    def segment_ms_mean(self) -> float:
        return float(np.mean(self.segment_ms)) if self.segment_ms else 0.0

    def summary(self) -> str:
        processing = f"processing {self.process_ms_mean:.1f} ms/frame"
        if self.segment_ms:  # (it was the compositing's alone: 1.6 ms a frame for 13 one after the other)
            ahead = self.segment_ms_mean
            processing = (f"processing {self.process_ms_mean + ahead:.1f} ms/frame ({ahead:.1f} of it segmenting "
                          "ahead, in the reader thread)")
        parts = [f"{self.processed} frame{'' if self.processed == 1 else 's'} in {self.elapsed:.1f} s "
                 f"({self.fps:.1f} fps)",
                 f"latency {self.latency_ms:.0f} ms", processing]
        if self.partial:  # (its warning said before it: the line ended as a whole video's did)
            parts.insert(1, f"partial: {' and '.join(self.partial)} could not be read")
        if self.dropped:
            parts.append(f"{self.dropped} dropped")
        if self.written < self.processed:  # (a live source behind a slow output, a quit's hurried end)
            parts.append(f"{self.written} written")
        if self.corrupt:
            parts.append(f"{self.corrupt} corrupt packet{'' if self.corrupt == 1 else 's'} skipped")
        if self.lead_dropped and not self.lead_damaged:  # (a damaged start's: in partial, above)
            parts.append(f"{self.lead_dropped} undecodable frames before the first key frame dropped")
        if self.pixel_format != "bgr24":
            parts.append(f"frames passed as {self.pixel_format}")
        if self.judged is not None and self.judged < self.processed:
            parts.append(f"focus judged on {self.judged} of them")
        for n, what in ((self.judged_noisy, "noisy"), (self.judged_soft, "soft")):
            if n:
                parts.append(f"{n} judged by the {what} network")
        return ", ".join(parts)

    def as_dict(self) -> dict:
        return {"frames_in": self.frames_in, "processed": self.processed, "written": self.written,
                "dropped": self.dropped, "corrupt": self.corrupt, "lead_dropped": self.lead_dropped,
                "partial": list(self.partial),
                "seconds": round(self.elapsed, 3),
                "fps": round(self.fps, 2), "latency_ms": round(self.latency_ms, 2),
                "process_ms": round(self.process_ms_mean, 2), "segment_ahead_ms": round(self.segment_ms_mean, 2),
                "interrupted": self.interrupted,
                "pixel_format": self.pixel_format, "judged": self.judged,
                "judged_noisy": self.judged_noisy, "judged_soft": self.judged_soft}


# ------------------------------------------------------------------ processing

class BackgroundVideo:
    """Frames of ``video:PATH``, looped; one per call.  Opened (and its first frame decoded)
    when constructed, so an unreadable background fails before any output is written.  A
    source that cannot loop (a single picture, e.g. ``video:photo.jpg``) keeps its last frame."""

    def __init__(self, path: Path, cfg):
        from livecut.sources.file import FileSource

        class _Background(FileSource):
            # (scaled to cover the frame: a tiny one, 2x2, is put in as a picture's is; it was
            # refused, "needs at least 16x16 pixels", where -b image: of that size was not)
            least_side = 1
            background = True  # (a picture refused is named for -b image:, not for `livecut image`)

        self._src = _Background(path, cfg, loop=True)
        self._last: np.ndarray | None = None
        self._img: np.ndarray | None = None  # (the source's frame that _last was made of)
        # (a phone's clip is stored sideways: its frames upright, as a player shows them)
        self._upright = Upright(self._src.info.rotation)
        # (anamorphic footage, 720x576 16:9: its frames widened to square pixels, as a player
        # shows them; they were taken as square, the picture squeezed)
        self._sar = float(self._src.info.sample_aspect or 1)
        self._sq: np.ndarray | None = None  # (those frames, reused)

    def next(self) -> np.ndarray | None:
        try:
            f = self._src.read()
        except LivecutError:
            if self._last is None:
                raise
            f = None
        except Exception:  # noqa: BLE001 -- seeking back failed (e.g. one picture): hold the frame
            if self._last is None:
                raise
            f = None
        if f is not None:
            self._last = self._upright(self._square(f.image))
            # (the frame before given back once replaced: the next is decoded into it, where each
            # was a new array, a 720p frame's 2.8 MB)
            if self._img is not None:
                self._src.release_frame(self._img)
            self._img = f.image
        return self._last

    def _square(self, image: np.ndarray) -> np.ndarray:
        """A frame of the video's pixels as square pixels, the side they are short of made
        longer (720x576 at 64:45: 1024x576), or where that would be over COVER_MAX_SCALED
        times its pixels the other side shorter."""
        if self._sar == 1:
            return image
        h, w = image.shape[:2]
        wide, tall = (max(1, round(w * self._sar)), h), (w, max(1, round(h / self._sar)))
        longer, shorter = (wide, tall) if self._sar > 1 else (tall, wide)
        # (an extreme aspect, broken metadata, 100:1: the other side shorter, as the .webm writer does)
        size = longer if longer[0] * longer[1] <= COVER_MAX_SCALED * w * h else shorter
        sq = self._sq
        if sq is None or sq.shape[1::-1] != size or sq.shape[2:] != image.shape[2:]:
            sq = self._sq = np.empty(size[::-1] + image.shape[2:], image.dtype)
        return cv2.resize(image, size, dst=sq, interpolation=cv2.INTER_LINEAR)

    def close(self) -> None:
        self._src.close()


def _as_shown(image: np.ndarray, buffers=None) -> np.ndarray:
    """A frame as the engine judges it: a BGRA one (a video's own alpha) with transparent
    pixels as it shows (:func:`~livecut.images.as_shown`; BGR), any other as it is (an opaque
    BGRA frame too: one pass over its alpha to find that out).  Worked in ``buffers`` (a
    :class:`~livecut.images.ShownBuffers`, a run's: the BGR frame returned is one of them, the
    next frame's too), else new arrays."""
    if image.ndim != 3 or image.shape[2] != 4 or image.dtype != np.uint8:
        return image
    from livecut.images import ShownBuffers, as_shown

    bufs = ShownBuffers() if buffers is None else buffers
    h, w = image.shape[:2]
    own = cv2.extractChannel(image, 3, dst=bufs.get("alpha", (h, w), np.uint8)).reshape(h, w)
    lo, hi = cv2.minMaxLoc(own)[:2]
    bufs.clear = hi == 0  # (transparent all over: nothing of it shows)
    if lo == 255:
        return image
    bgr = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR, dst=bufs.get("bgr", (h, w, 3), np.uint8)).reshape(h, w, 3)
    return as_shown(bgr, own, bufs, dst=bgr)


class Processor:
    """frame -> output image: segment, smooth, composite.  Holds the run-time controls
    the preview keys change (mode, background, threshold, smoothing, pause)."""

    #: ``pts=`` (the frame's time, seconds) is taken by :meth:`__call__` and :meth:`segment`: the
    #: smoothing's times are kept in seconds frame by frame (:meth:`MaskSmoother.at`: a variable
    #: frame rate); the :class:`Pipeline` gives it where a process says so
    takes_pts = True
    #: ``fit=`` (:attr:`livecut.sources.base.Frame.fit`: where the source fitted the picture onto
    #: bars) is taken by :meth:`__call__` and :meth:`segment`; the :class:`Pipeline` gives it where
    #: a process says so
    takes_fit = True
    #: ``engine_image=`` (:attr:`livecut.sources.base.Frame.engine_image`: the frame as the engine
    #: judges it, a 10- or 12-bit video's undithered) is taken by :meth:`__call__` and :meth:`segment`; the
    #: :class:`Pipeline` gives it where a process says so and a frame has one
    takes_engine_image = True

    def __init__(self, cfg: Config | None, mode: str | None = None, background: str | None = None):
        cfg = self.cfg = whole_config(cfg, "Processor")
        # (-m '', "$MODE" with MODE unset, is refused as `livecut image` refuses it: it was the default)
        self.mode = cfg.composite.mode if mode is None else mode_word(mode)
        _check_mode(self.mode)
        self.background = background or cfg.composite.background
        # validate early (the file of a picture or video only where the mode shows it: a mask's
        # -b image:missing.png, said to be ignored, was refused)
        parse_background(self.background, files=self.mode in SHOWN_MODES)
        self._fps: float | None = None  # the frames' rate (see the fps property)
        self.smoother = MaskSmoother(cfg) if cfg.smooth.enabled else None
        self.seg = Segmenter(cfg, temporal=self.smoother)
        self._rotation = 0  # the frames' display rotation (see the rotation property)
        self._sar = 1.0  # the frames' pixel aspect (see the sample_aspect property)
        self._shown = None  # the buffers of a BGRA frame as shown (see _as_shown), once one came
        self.comp = self._compositor(self.mode, self.background)
        self.view: Compositor | None = None  # preview's own mode/background, if changed
        self._bg_video: BackgroundVideo | None = None
        if self.comp.background.kind == "video" and self.mode not in ("mask", "cutout"):
            # validate now: a bad background must fail before the first frame is written
            try:
                self._bg_video = BackgroundVideo(self.comp.background.path, cfg.video)
            except VideoOpenFailure as exc:
                raise VideoOpenFailure(f"background video: {exc}") from None
        self.paused = False
        self.quit = False
        self.alpha: np.ndarray | None = None
        #: what __call__ takes and returns: "bgr24" (BGR frames) or "yuv420p" (I420 frames,
        #: see :attr:`supports_i420`); chosen once per run by :func:`run_video`
        self.pixel_format = "bgr24"
        #: optional :class:`livecut.stageclock.StageClock`: CPU time of engine and composite
        self.clock = None
        #: frames per segmentation state, when the segmenter reports one (Segmenter.state)
        self.states: collections.Counter = collections.Counter()
        #: frames on which focus was judged anew, when the segmenter says (Segmenter.judged_anew)
        self.judged: int | None = None
        # the preview's b key's backgrounds, as _bg_text says the one shown (the run's was kept as
        # given: -b red, '#00ff00', color:#FF0000 or none was not found among them again, and the
        # key showed it again at every press)
        self.backgrounds = ["blur", "color:#00b140", "color:#ffffff", "transparent"]
        if (own := _bg_text(self.comp)) not in self.backgrounds:
            self.backgrounds.insert(0, own)

    @property
    def rotation(self) -> int:
        """The display rotation of the frames (see :attr:`Compositor.rotation`): picture and
        video backgrounds are put in turned the way the frames are stored."""
        return self._rotation

    @rotation.setter
    def rotation(self, value: int) -> None:
        self._rotation = check_rotation(value)
        for comp in (self.comp, self.view):
            if comp is not None:
                comp.rotation = self._rotation

    @property
    def fps(self) -> float | None:
        """The frames' rate (None: not known, taken as 25 fps): the smoothing's times, given for
        25 fps, are kept in seconds at it (see :attr:`MaskSmoother.fps`)."""
        return self._fps

    @fps.setter
    def fps(self, value: float | None) -> None:
        if self.smoother is not None:
            self.smoother.fps = value
        self._fps = value

    @property
    def sample_aspect(self) -> float:
        """The frames' pixel aspect (see :attr:`Compositor.sample_aspect`): picture and video
        backgrounds are put in squeezed as the frames' pixels are."""
        return self._sar

    @sample_aspect.setter
    def sample_aspect(self, value) -> None:
        self._sar = check_sample_aspect(value)
        for comp in (self.comp, self.view):
            if comp is not None:
                comp.sample_aspect = self._sar

    def _compositor(self, mode: str, background: str) -> Compositor:
        comp = Compositor(self.cfg, background=background, mode=mode)
        comp.rotation = self._rotation
        comp.sample_aspect = self._sar
        return comp

    @property
    def channels(self) -> int:
        return self.comp.channels

    def output_size(self, w: int, h: int) -> tuple[int, int]:
        return self.comp.output_size(w, h)

    @property
    def supports_i420(self) -> bool:
        """Whether this mode and background can run on I420 frames (composite over an
        opaque background, or mask; no preview view of its own)."""
        return self.view is None and self.comp.supports_i420

    def use_pixel_format(self, fmt: str) -> None:
        """Process ``"bgr24"`` or ``"yuv420p"`` (I420) frames (the latter needs :attr:`supports_i420`)."""
        if fmt == "yuv420p" and not self.supports_i420:
            raise UsageError(f"mode {self.mode} with background {self.background}: needs BGR frames")
        if fmt not in ("bgr24", "yuv420p"):
            raise UsageError(f"pixel format {fmt!r}: expected bgr24 or yuv420p")
        self.pixel_format = fmt

    #: the video background's frame of the frame being composited (None: none read for it yet)
    _bg_now: np.ndarray | None = None
    #: :meth:`close` was called (its video background closed: see :meth:`_bg_frame`)
    _closed = False

    def _bg_frame(self, comp: Compositor) -> np.ndarray | None:
        """The video background's frame for ``comp`` (None where it takes none): one frame of the
        video a frame (:meth:`__call__` starts each frame anew), the same for the output and the
        preview's own view, and the same again for :meth:`redraw` (each call read the next one:
        once the preview showed the background too, its m or b key, the output's background
        video played at twice its speed, every other frame, and a key pressed while paused
        skipped one)."""
        if not comp.takes_bg_frame:  # (mask, cutout: none shown, and none taken)
            return None
        if self._bg_video is None:
            if self._closed:  # (it was opened again, unsaid, its file held until collected)
                raise UsageError(f"Processor: closed (its background {comp.background.path} with it); a closed "
                                 "one composites no video background: make another")
            self._bg_video = BackgroundVideo(comp.background.path, self.cfg.video)
        if self._bg_now is None:
            self._bg_now = self._bg_video.next()
        return self._bg_now

    def segment(self, image: np.ndarray, out: np.ndarray | None = None, pts: float | None = None,
                fit: tuple[int, int, int, int] | None = None, engine_image: np.ndarray | None = None) -> tuple:
        """The alpha of ``image`` (smoothed over time: frames in order) and what the segmenter
        said of the frame: ``(alpha, state, judged, box, counts, pending)`` (``box``: the picture inside black
        bars, or None; ``counts``: the engine's diagnostic counts once this frame was segmented,
        see :meth:`counts`), for :meth:`__call__`'s ``pre``.  The
        alpha is ``out`` when given, else an internal buffer.  Called by the pipeline's reader
        thread ahead of the frame's compositing when it segments ahead (``video.segment_ahead``),
        with ``out`` (a buffer of the frame's own): then the full-size refinement is left to
        :meth:`__call__` (the engine's last step, :meth:`Segmenter.begin`), which runs in the
        processing thread, so that the two threads share the work more evenly.
        A BGRA ``image`` (a video with its own alpha) is judged as it shows, as ``livecut image``
        judges a picture (:func:`~livecut.images.as_shown`: its colours over a fill where it is
        transparent; it was judged on the colours stored there, which nothing shows, and the same
        clip with noise hidden there was cut otherwise where it shows); what its alpha leaves
        transparent stays so in the output, as the Compositor keeps a BGRA frame's alpha: the
        alpha returned is the cut's alone.  ``pts``: the frame's time in seconds (None: not known), for
        the smoothing (see :meth:`MaskSmoother.at`).  ``fit``: where the source fitted the picture
        onto black bars (:attr:`~livecut.sources.base.Frame.fit`), for the engine's bars.
        ``engine_image``: the frame as the engine judges it where that is not ``image``, of its
        shape and layout (:attr:`~livecut.sources.base.Frame.engine_image`: a 10- or 12-bit
        video's undithered)."""
        if (engine_image is not None and engine_image.shape == image.shape
                and engine_image.dtype == image.dtype):
            image = engine_image
        if self.smoother is not None:
            self.smoother.at(pts)
        if hasattr(self.seg, "fit"):
            self.seg.fit = fit
        clock = self.clock
        t = clock.now() if clock is not None else 0.0
        clear = False
        if image.ndim == 3 and image.shape[2] == 4:
            if self._shown is None:
                from livecut.images import ShownBuffers

                self._shown = ShownBuffers()
            image = _as_shown(image, self._shown)
            clear = self._shown.clear
        # smoothed over time inside, at the reduced size
        i420 = self.pixel_format == "yuv420p"
        pending = None
        if out is not None and hasattr(self.seg, "begin"):
            pending = self.seg.begin(image, out, i420=i420)
            alpha = out
        else:
            run = self.seg.mask_i420 if i420 else self.seg.mask
            alpha = run(image) if out is None else run(image, out)
        if clock is not None:
            clock.add("engine", t)
        # (black bars kept as they are in the composite; a black backdrop's bands are not; a BGRA
        # frame's own alpha is combined with the alpha, and its transparent margins are no bars,
        # in the Compositor: here too, it was taken twice, a half-transparent part at a quarter)
        box = framing(getattr(self.seg, "box", None), *alpha.shape[:2])
        # "subject", "all-sharp", "all-blurred", or "clear" where the frame's own alpha is 0 all over
        # (it shows nothing: it was said to be "nothing in focus ... the subject was lost there");
        # judged anew or not (if the engine says: a stand-in may not)
        state = "clear" if clear else getattr(self.seg, "state", None)
        return (alpha, state, getattr(self.seg, "judged_anew", None), box, self._counts(), pending)

    def _counts(self) -> tuple[int, int, int]:
        """The engine's counts so far: frames judged by the noisy and by the soft network, and
        frames through which the last mask was held (MaskSmoother.held)."""
        method = getattr(self.seg, "method", None)
        return (int(getattr(method, "judged_noisy", 0) or 0), int(getattr(method, "judged_soft", 0) or 0),
                int(getattr(self.smoother, "held", 0) or 0))

    #: :meth:`_counts` as they were once the last frame composited was segmented (None: none yet)
    _counted: tuple[int, int, int] | None = None
    #: frames composited (their :attr:`states`, :attr:`judged` and :meth:`counts` taken in): the
    #: frames the run's notes give shares of
    composited = 0

    def counts(self) -> tuple[int, int, int]:
        """(judged_noisy, judged_soft, held) for the frames composited: a run that segments ahead
        (video.segment_ahead) has segmented frames that were never composited by its end (--frames,
        Ctrl-C, an error), which the engine's own counts take in ('-n 5': "8 judged by the soft
        network" of 5 frames)."""
        return self._counted if self._counted is not None else self._counts()

    def __call__(self, image: np.ndarray, need_output: bool = True,
                 pre: tuple | None = None, pts: float | None = None,
                 fit: tuple[int, int, int, int] | None = None,
                 engine_image: np.ndarray | None = None) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(output for the sinks, output for the preview); internal buffers.  ``pre``: the
        frame's :meth:`segment` result, when it was segmented ahead; ``pts``: the frame's time
        (seconds, None: not known), ``fit`` (where the source fitted it onto bars) and
        ``engine_image`` (the frame as the engine judges it), see :meth:`segment`."""
        i420 = self.pixel_format == "yuv420p"
        alpha, state, judged, box, counted, pending = (pre if pre is not None
                                                       else self.segment(image, pts=pts, fit=fit,
                                                                         engine_image=engine_image))
        self._bg_now = None  # (a new frame: the video background's next frame)
        clock = self.clock
        if pending is not None:  # (segmented ahead: its refinement is done here)
            t = clock.now() if clock is not None else 0.0
            self.seg.end(pending)
            if clock is not None:
                clock.add("engine", t)
        t = clock.now() if clock is not None else 0.0
        self.alpha, self.box = alpha, box
        if i420:  # I420 in, I420 out (no preview: the output is also the view)
            out = view = self.comp.apply_i420(image, alpha, self._bg_frame(self.comp), box)
        else:
            self.image = image  # for redraw() while paused
            out = self.comp.apply(image, alpha, self._bg_frame(self.comp), box) if need_output else None
            view = out
            if self.view is not None:
                view = self.view.apply(image, alpha, self._bg_frame(self.view), box)
            elif out is None:
                view = self.comp.apply(image, alpha, self._bg_frame(self.comp), box)
        if clock is not None:
            clock.add("composite", t)
        # the frame's state, judgement and counts taken in once it is composited: a run stopped
        # in its compositing (Ctrl-C a second after the start) counted them of a frame it never
        # processed ('nothing was out of focus in 150 % of the frames': 3 frames' states of 2)
        if isinstance(state, str):
            self.states[state] += 1
        if judged is not None:
            self.judged = (self.judged or 0) + judged
        self._counted = counted
        self.composited += 1
        return out, view

    # ---- controls (preview keys)
    image: np.ndarray | None = None
    box: tuple[int, int, int, int] | None = None

    def redraw(self) -> np.ndarray | None:
        """The preview's view of the last frame again (after a mode, background or threshold key
        while paused)."""
        if self.image is None or self.alpha is None:
            return None
        v = self._view()
        return v.apply(self.image, self.alpha, self._bg_frame(v), self.box)

    def _view(self) -> Compositor:
        return self.view or self.comp

    def cycle_mode(self) -> str:
        v = self._view()
        mode = MODES[(MODES.index(v.mode) + 1) % len(MODES)]
        self.view, _ = self._view_compositor(mode, _bg_text(v))
        return mode

    def cycle_background(self) -> str:
        v = self._view()
        cur = _bg_text(v)
        i = self.backgrounds.index(cur) if cur in self.backgrounds else -1
        bg = self.backgrounds[(i + 1) % len(self.backgrounds)]
        self.view, bg = self._view_compositor(v.mode, bg)
        return bg

    def _view_compositor(self, mode: str, background: str) -> tuple[Compositor, str]:
        """The preview's compositor and its background; a picture or video background that cannot
        be read, which the run's mask or cutout did not need (-b image:missing.png), is the blur
        where it is shown (it was an error ending the run).  A video's is opened here, where it is
        shown first (opened at the next frame, an unreadable one, -b video:broken.mp4, ended the
        run there)."""
        try:
            comp = self._compositor(mode, background)
            if comp.takes_bg_frame and self._bg_video is None:
                self._bg_video = BackgroundVideo(comp.background.path, self.cfg.video)
            return comp, background
        except LivecutError:
            return self._compositor(mode, "blur"), "blur"

    def change_threshold(self, delta: float) -> float:
        """The threshold changed by ``delta`` (kept within 0.05-0.95); the segmenter is kept, only
        its threshold changes (it was made anew: the networks loaded again, a hitch, and what it
        had learnt of the video lost -- its soft/noisy network choice, the black bars, its counts,
        its colour matrix)."""
        t = float(np.clip(self.seg.cfg.threshold + delta, 0.05, 0.95))
        cfg = dataclasses.replace(self.cfg, segment=dataclasses.replace(self.cfg.segment, threshold=t))
        self.cfg = cfg
        # (the reader thread may be segmenting a frame ahead (video.segment_ahead): the threshold
        # is set between two of its frames, as change_smoothing sets the smoother; it was set
        # mid-frame, the frame begun at one threshold finished at the other; a stand-in put in
        # seg without the lock is set as it was)
        with self._between_frames():
            self.seg.cfg = cfg.segment
            if hasattr(self.seg.method, "cfg"):  # (the methods read the threshold from their cfg)
                self.seg.method.cfg = cfg.segment
        if self.paused:
            self._judge_again()
        return t

    def _judge_again(self) -> None:
        """While paused: the shown frame's alpha at the new threshold, for :meth:`redraw` (the
        paused frame kept the old cut until the run went on).  A segmenter of its own judges it,
        without the smoothing: the run's segmenter and smoother are left as they were."""
        if self.image is None or self.alpha is None:
            return
        seg = Segmenter(self.cfg)
        alpha = seg.mask(_as_shown(self.image))
        self.alpha, self.box = alpha, framing(seg.box, *alpha.shape[:2])

    def _between_frames(self):
        """A context in which the run's Segmenter is between two frames: its lock (the reader
        thread may be segmenting a frame ahead, video.segment_ahead), entered as True; for a
        stand-in put in ``seg`` without one, nothing to wait for, entered as None."""
        busy = getattr(self.seg, "_busy", None)
        return busy if busy is not None else contextlib.nullcontext()

    def change_smoothing(self, factor: float) -> float:
        """factor > 1: smoother (lower base rate); < 1: more responsive.  Smoothing off
        (``smooth.enabled = false``) is rate 1 (no averaging): less than that stays off (1 is
        returned), more turns it on at ``1 / factor``.  A factor that is not a number above 0
        (0, a negative one, nan) is a :class:`UsageError`."""
        if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
            raise ConfigTypeError(f"change_smoothing: factor must be a number above 0, got {type(factor).__name__}")
        if not (math.isfinite(factor) and factor > 0):
            raise UsageError(f"change_smoothing: factor {factor!r}: expected a number above 0 "
                             "(above 1: smoother, below 1: more responsive)")
        if self.smoother is None:
            if factor <= 1:
                return 1.0
            self.smoother = MaskSmoother(self.cfg, fps=self._fps)
            self.smoother.rate = 1.0
            # (the reader thread may be segmenting a frame ahead, in begin(), where the setter is
            # refused (one thread at a time): the smoother is set between two of its frames)
            with self._between_frames() as busy:
                if busy:  # (set under the lock the setter itself would be refused by)
                    self.seg._temporal = self.smoother
                else:  # (a stand-in for the Segmenter, without its lock: set as it takes it)
                    self.seg.temporal = self.smoother
        self.smoother.rate = float(np.clip(self.smoother.rate / factor, 0.01, 1.0))
        return self.smoother.rate

    def close(self) -> None:
        self._closed = True
        if self._bg_video is not None:
            self._bg_video.close()
            self._bg_video = None

    def __enter__(self) -> "Processor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: what a run's summary says of frames in these segmentation states
STATE_NOTES = {
    "all-sharp": "nothing was out of focus in {pct} of the frames: the whole picture was kept there "
                 "(livecut needs a defocused background)",
    "all-blurred": "nothing was in focus in {pct} of the frames: the subject was lost there",
    "clear": "the video was fully transparent (its alpha 0 everywhere) in {pct} of the frames: nothing of them "
             "shows, so nothing was cut there",
}
#: the "all-blurred" line when the last mask was held through those frames (smooth.hold): all
#: of them, or ``held`` of them ("the subject was lost there" was said of frames it was held through)
HELD_NOTES = ("nothing was in focus in {pct} of the frames: the last mask was held there",
              "nothing was in focus in {pct} of the frames: the last mask was held through {held} of them, "
              "the subject was lost in the rest")


def state_notes(states: collections.Counter, frames: int, held: int = 0) -> list[str]:
    """Summary lines for frames where the segmenter found no subject/background split; ``held``:
    the "all-blurred" frames through which the last mask was held (MaskSmoother.held)."""
    notes = []
    for state, text in STATE_NOTES.items():
        n = states.get(state, 0)
        if n and frames:
            share = 100 * n / frames
            pct = "all" if n == frames else f"{share:.0f} %" if share >= 0.5 else "under 1 %"
            if state == "all-blurred" and held:
                text = HELD_NOTES[0] if held >= n else HELD_NOTES[1]
            notes.append(text.format(pct=pct, held=held))
    return notes


def _bg_text(comp: Compositor) -> str:
    b = comp.background
    if b.kind == "color":
        bl, g, r = b.color
        return f"color:#{r:02x}{g:02x}{bl:02x}"
    if b.kind in ("image", "video"):
        return f"{b.kind}:{b.path}"
    return b.kind


# ------------------------------------------------------------------ the pipeline

class Pipeline:
    """Runs ``source`` through ``process`` into ``sinks``.  ``run()`` returns :class:`Stats`.

    ``process(image) -> (output, view)`` returns internal buffers; outputs are copied
    into a preallocated ring before they cross to the writer thread.  Sinks with
    ``main_thread = True`` (the preview) are written from the calling thread and may
    have ``poll() -> bool`` (False = quit), ``idle()`` (called while paused) and
    ``stalled()`` (called, every ``POLL`` s, while a live source delivers no frame -- a camera's
    hiccup, a stalled stream -- or a frame waits for the writer; ``poll()`` is when it has none,
    and for a file), so that a window keeps answering; after a quit, ``finishing()`` is called
    every ``POLL`` s while the writer finishes the frames queued (False: hurry the end, see
    _finish_writer); at the source's end (or ``max_frames``) ``poll()`` is, then after a quit
    there ``finishing()``.
    A source with ``release_frame(image)`` gets each frame's image back once the output is
    copied (its buffers are reused), or with main-thread sinks once they have been given the
    next frame's view (a main-thread sink keeps the last view it was given only); a live
    source's frame replaced in the mailbox before it was processed (dropped), at once.
    """

    def __init__(self, source, process: Callable, sinks: Sequence = (), *, live: bool | None = None,
                 queue_size: int = 4, max_frames: int | None = None, progress=None,
                 stats: Stats | None = None, paused: Callable[[], bool] = lambda: False,
                 clock=None, after_frame: Callable[[float], None] | None = None,
                 ahead: Callable | None = None):
        self.source = source
        #: ``ahead(image, out) -> pre``: segmentation run by the reader thread for each frame
        #: of a file, ahead of its compositing (``process(image, need, pre=pre)``): the two
        #: overlap on machines with the CPUs for it; frames stay in order, so the result is
        #: the same as one after the other.  Not for live sources or a preview.
        self.ahead = ahead
        #: called with each frame's processing time in ms (e.g. :class:`livecut.threads.LiveThreads`)
        self.after_frame = after_frame
        #: optional :class:`livecut.stageclock.StageClock`: CPU time of the copy into the ring
        self.clock = clock
        self.process = process
        self.main_sinks = [s for s in sinks if getattr(s, "main_thread", False)]
        self.thread_sinks = [s for s in sinks if not getattr(s, "main_thread", False)]
        self.live = getattr(source, "live", False) if live is None else live
        if self.live or self.main_sinks:
            self.ahead = None
        #: the timestamps of the live frames processed last, for their rate (see RATE_FRAMES), where
        #: ``process`` has a rate to be told (a Processor's fps)
        self._rate_pts: list[float] | None = [] if self.live and hasattr(process, "fps") else None
        #: ``ahead`` (``process``'s segmentation) takes each frame's time, ``pts=`` (a Processor:
        #: the smoothing's times in seconds frame by frame, see Processor.takes_pts); the process
        #: run is asked at each frame, as another may be put in its place (on_start)
        self._timed = getattr(process, "takes_pts", False) is True
        #: ``ahead`` takes ``fit=`` too (Processor.takes_fit), given where a frame has one
        self._fits = getattr(process, "takes_fit", False) is True
        #: ``ahead`` takes ``engine_image=`` too (Processor.takes_engine_image), given where a
        #: frame has one
        self._engine_images = getattr(process, "takes_engine_image", False) is True
        self._ahead_ring: list[np.ndarray] = []
        self._ahead_i = 0
        self.queue_size = max(1, queue_size)
        self.max_frames = max_frames
        self.progress = progress
        self.stats = stats or Stats()
        self.paused = paused
        self._stop = threading.Event()
        self._errors: list[tuple[str, BaseException]] = []
        self._inq: queue.Queue = queue.Queue(maxsize=self.queue_size)
        #: live frames waiting: the newest only (``live_buffer`` 1: a camera, RTSP), or the last
        #: few for a source that sends in bursts (HLS delivers a segment at once: keeping only
        #: the newest of each burst dropped 4 frames in 5)
        self._mailbox: collections.deque = collections.deque(maxlen=max(1, int(getattr(source, "live_buffer", 1))))
        self._mail_lock = threading.Lock()
        self._mail_ready = threading.Event()
        self._mail_room = threading.Event()  #: a frame was taken from the mailbox
        self._outq: queue.Queue = queue.Queue(maxsize=self.queue_size)
        #: a live source's processed frames for a sink watched as it plays (``live_view``: a virtual
        #: camera, a network stream): only the newest waits for the writer, the older ones dropped
        #: (see _put_newest) -- up to ``queue_size`` of them waited behind a slow virtual camera,
        #: each as long as a send took (a 40 ms send: 0.2 s behind the camera, a 200 ms one 0.33 s).
        #: A recording beside it gets the same frames (the writer writes each to every sink); a
        #: recording alone keeps the queue (its frames not watched: the queue absorbs a slow one)
        self._newest_only = any(getattr(s, "live_view", False) is True for s in self.thread_sinks)
        self._free: queue.Queue = queue.Queue()
        self._ring: list[np.ndarray] = []
        self._threads: list[threading.Thread] = []
        self._sink_lock = threading.Lock()
        #: True once the source said it has no more frames (False: stopped by --frames, quit, error)
        self.reached_end = False
        self._ran = False  # (see run)
        #: (seconds paused in all, since when paused now or None), see play_clock: one tuple,
        #: replaced whole (the reader thread reads it)
        self._pauses: tuple[float, float | None] = (0.0, None)
        # a paced file is paced on the run's play clock (nothing delivered while paused); a
        # live source (a camera, a --live file) runs on
        pace_by = getattr(source, "pace_by", None)
        if pace_by is not None and not self.live:
            pace_by(self.play_clock)

    def _measure_rate(self, pts: float) -> None:
        """A live frame about to be processed at ``pts``: every RATE_FRAMES frames, the rate they
        came at (the median interval: a pause, a reconnection, is one interval among many) is
        given to ``process`` (its ``fps``: the smoothing's times) where it is RATE_OFF off."""
        stamps = self._rate_pts
        stamps.append(pts)
        if len(stamps) <= RATE_FRAMES:
            return
        steps = np.diff(stamps)
        stamps[:] = stamps[-1:]
        steps = steps[steps > 0]
        if len(steps) < RATE_FRAMES // 2:
            return
        fps = 1.0 / float(np.median(steps))
        now = self.process.fps
        if math.isfinite(fps) and (not now or abs(fps - now) >= RATE_OFF * now):
            self.process.fps = fps

    def play_clock(self) -> float:
        """``time.perf_counter()`` less the time the run has been paused: it stands still
        while paused (a paced file's frames are due on it, see FileSource.pace_by)."""
        total, since = self._pauses
        return (time.perf_counter() if since is None else since) - total

    # ---- workers
    def _fail(self, stage: str, exc: BaseException) -> None:
        self._errors.append((stage, exc))
        self._stop.set()

    def _put(self, q: queue.Queue, item, waiting: Sequence[Callable] = ()) -> bool:
        """Blocking put that gives up when the pipeline stops.  ``waiting``: called every
        ``POLL`` s while the queue is full (a preview's ``stalled``, or a file's ``poll``: its
        window keeps answering while a frame waits for the writer); one that returns False quits."""
        while not self._stop.is_set():
            try:
                q.put(item, timeout=POLL)
                return True
            except queue.Full:
                for f in waiting:
                    if f() is False:
                        raise _Quit
        return False

    def _reader(self) -> None:
        # (a live source's frames replaced in the mailbox are given back, see below)
        release = getattr(self.source, "release_frame", None) if self.live else None
        try:
            while not self._stop.is_set():
                self._in_read = True
                try:
                    frame = self.source.read()
                finally:
                    self._in_read = False
                if frame is None:
                    break
                if not hasattr(frame, "image"):  # (a registered source's read() that gave the picture
                    # itself: "processing stage failed: AttributeError: 'numpy.ndarray' object has no
                    # attribute 'pts'", the frame's reader not named)
                    raise UsageError(f"source {type(self.source).__name__}: read() returned "
                                     f"{type(frame).__name__}; expected a livecut.sources.base.Frame "
                                     "(Frame(image=..., index=..., pts=...)), or None at the end")
                if frame.pts is not None and (isinstance(frame.pts, bool) or not isinstance(frame.pts, numbers.Real)
                                              or not math.isfinite(frame.pts)):
                    # (pts='0' was said as "MaskSmoother.at '0': ...", a call the caller never made)
                    raise UsageError(f"source {type(self.source).__name__}: read() gave a Frame with pts "
                                     f"{frame.pts!r}; expected its time in seconds (a finite number) or None")
                self.stats.frames_in += 1
                if self.ahead is not None:
                    if self._stop.is_set():
                        # (a read the run ended without waiting for, see _left_to_close: its
                        # frame segmented now ran OpenCV's network while the process exited,
                        # "terminate called without an active exception", exit 134)
                        return
                    t0 = clock()
                    try:
                        buf = self._ahead_buffer(frame.image)
                        fitted = {"fit": frame.fit} if self._fits and getattr(frame, "fit", None) is not None else {}
                        if self._engine_images and getattr(frame, "engine_image", None) is not None:
                            fitted["engine_image"] = frame.engine_image
                        frame.pre = (self.ahead(frame.image, buf, pts=frame.pts, **fitted) if self._timed
                                     else self.ahead(frame.image, buf, **fitted))
                    except BaseException as exc:  # noqa: BLE001 -- handed to the main thread
                        self._fail("processing", exc if isinstance(exc, LivecutError) else StageError(
                            f"processing stage failed: {type(exc).__name__}: {exc}"))
                        return
                    self.stats.segment_ms.append((clock() - t0) * 1e3)
                if self.live:
                    self._wait_for_room()
                    gone: list = []  # (the frames replaced, which no stage has seen)
                    with self._mail_lock:
                        if (self._mailbox.maxlen > 1 and getattr(self.source, "live_buffer", 1) == 1
                                and not self._holding()):
                            # (a stream found live after its frames were held: those waiting go
                            # but the newest, its latency a live stream's at once)
                            if not self.paused():
                                self.stats.dropped += max(0, len(self._mailbox) - 1)
                            gone.extend(list(self._mailbox)[:-1])
                            self._mailbox = collections.deque(self._mailbox, maxlen=1)
                        # (the oldest waiting goes: a drop, unless the run is paused -- passed
                        # over, as asked: a camera paused 10 s in the preview counted 300 drops --
                        # or over: a frame held for room, the run stopped meanwhile (its frames
                        # taken, the writer finishing), was counted)
                        if len(self._mailbox) == self._mailbox.maxlen:
                            gone.append(self._mailbox[0])
                            if not self.paused() and not self._stop.is_set() and not self._ending:
                                self.stats.dropped += 1
                        self._mailbox.append(frame)
                    self._mail_ready.set()
                    if gone and release is not None:
                        # (given back to the source, as a frame processed is: the next is read
                        # into it.  Each frame dropped took its buffer along, and the reads after
                        # it made new arrays -- two frames in three of a 30 fps camera judged at
                        # 10 fps, a 1080p frame's 6 MB each)
                        for old in gone:
                            release(old.image)
                elif not self._put(self._inq, frame):
                    return
        except BaseException as exc:  # noqa: BLE001 -- handed to the main thread
            self._fail("reader", exc)
            return
        # end of the source
        if self.live:
            with self._mail_lock:
                self._live_ended = True
            self._mail_ready.set()
        else:
            self._put(self._inq, _END)

    def _holding(self) -> bool:
        """Whether the live source's frames are not to be dropped now (``source.holding``: a
        stream over HTTP without its size, until its pace says it is live, or for good when it
        says it is a file: see StreamSource._judge; ``source.catching_up()``: the frames that
        came at once as a stream's connection started, while the engine catches up with them,
        unless the run is paused: see StreamSource.catching_up)."""
        if getattr(self.source, "holding", False):
            return True
        catching_up = getattr(self.source, "catching_up", None)
        return catching_up is not None and not self.paused() and bool(catching_up())

    def _wait_for_room(self) -> None:
        """While the live source holds its frames (see _holding), wait for room in the mailbox
        instead of dropping the oldest frame waiting there, the source reading ahead meanwhile
        (``source.read_ahead()``, where it has it: its pace is timed as it comes)."""
        read_ahead = getattr(self.source, "read_ahead", None)
        while self._holding() and not self._stop.is_set():
            with self._mail_lock:
                if len(self._mailbox) < self._mailbox.maxlen:
                    return
                self._mail_room.clear()
            if read_ahead is None or not read_ahead():
                self._mail_room.wait(POLL)

    _live_ended = False
    #: the run is ending (see _shutdown): no more frames are taken, none waiting is dropped
    _ending = False
    #: the reader thread is inside ``source.read()``
    _in_read = False
    #: after a quit: the main-thread sinks' ``finishing``, polled while the writer finishes
    _answering: list = []

    def _ahead_buffer(self, image: np.ndarray) -> np.ndarray:
        """The alpha buffer for the next frame segmented ahead: a ring that outlasts every frame
        in flight (the input queue, the one being read, the one being composited)."""
        # (a 2-D frame is I420: its Y plane is the top two thirds; a BGR frame has 3 dimensions)
        h = image.shape[0] * 2 // 3 if image.ndim == 2 else image.shape[0]
        shape = (h, image.shape[1])
        if not self._ahead_ring or self._ahead_ring[0].shape != shape:
            self._ahead_ring = [np.empty(shape, np.uint8) for _ in range(self.queue_size + 3)]
        buf = self._ahead_ring[self._ahead_i % len(self._ahead_ring)]
        self._ahead_i += 1
        return buf

    def _next_frame(self):
        """The next frame for processing: _END at the end, None on a timeout (poll again)."""
        if not self.live:
            try:
                return self._inq.get(timeout=POLL)
            except queue.Empty:
                return None
        with self._mail_lock:
            if not self._mailbox and self._live_ended:
                return _END
            waits = not self._mailbox
        if waits and self._waiting_since is None:
            self._waiting_since = time.perf_counter()
        if not self._mail_ready.wait(POLL):
            self._caught_up()  # (no frame for POLL s: none is waiting to be read)
            return None
        with self._mail_lock:
            frame = self._mailbox.popleft() if self._mailbox else None
            self._mail_room.set()
            if not self._mailbox:
                self._mail_ready.clear()
            if frame is None and self._live_ended:
                return _END
        if frame is not None:
            # done with a frame, the engine waited for the next as long as half their interval
            # or more: they come no faster than it takes them (see _holding).  (Found no frame
            # waiting was not enough: a frame served again, segment.still, took less than the
            # reader took to decode the next of those that came at once, and the rest of them
            # were dropped)
            pts = getattr(frame, "pts", None)
            if self._waiting_since is not None and pts is not None and self._taken_pts is not None and (
                    time.perf_counter() - self._waiting_since >= (pts - self._taken_pts) / 2):
                self._caught_up()
            self._waiting_since = None
            self._taken, self._taken_pts = getattr(frame, "index", None), pts
        return frame

    def _caught_up(self) -> None:
        """Tell a live source that the engine caught up with its frames (``source.caught_up``)."""
        if self._taken is not None and (caught_up := getattr(self.source, "caught_up", None)):
            caught_up(self._taken)

    #: the index and time of the last live frame the engine took, and since when it waits for the next
    _taken: int | None = None
    _taken_pts: float | None = None
    _waiting_since: float | None = None

    def _writer(self) -> None:
        try:
            while True:
                try:
                    item = self._outq.get(timeout=POLL)
                except queue.Empty:
                    if (self._stop.is_set() and not self._finishing) or self._released:
                        return
                    continue
                # (stopped without finishing, on an error: the frames queued are not written to
                # an output thrown away -- encoding them held the run past JOIN_TIMEOUT, and its
                # sink was abandoned, never closed)
                if item is _END or self._hurry or (self._stop.is_set() and not self._finishing):
                    return
                buf, pts, captured_at = item
                for sink in self.thread_sinks:
                    with self._sink_lock:
                        if self._released:  # (its sinks are the main thread's now)
                            return
                        self._in_sink = sink
                    try:
                        sink.write(buf, pts)
                    finally:
                        with self._sink_lock:
                            self._in_sink = None
                self._free.put(buf)
                self.stats.written += 1
                self.stats.latencies_ms.append((clock() - captured_at) * 1e3)
        except BaseException as exc:  # noqa: BLE001
            self._fail("writer", exc)

    _finishing = False
    #: stopped by a signal, file outputs only: the writer ends after the frame it is writing
    _hurry = False
    #: the sink the writer thread is inside (its write running), None between writes; with
    #: :attr:`_released`, under :attr:`_sink_lock`
    _in_sink = None
    #: the writer was given up on (see _release_writer): it enters no sink again, and the sinks
    #: it is not inside are the main thread's to finish
    _released = False

    def _slot(self, out: np.ndarray) -> np.ndarray | None:
        """A ring buffer holding a copy of ``out`` (None: live and the writer is behind)."""
        if not self._ring or self._ring[0].shape != out.shape:
            self._ring = [np.empty_like(out) for _ in range(self.queue_size + 2)]
            self._free = queue.Queue()
            for b in self._ring:
                self._free.put(b)
        while True:
            try:
                live = self.live and not self._holding()  # (a frame held waits for the writer)
                buf = self._free.get(timeout=0 if live else POLL)
            except queue.Empty:
                if live:
                    return None
                self._check()
                continue
            # (the writer gives back buffers of the ring before a change of frame size: dropped)
            if buf.shape == out.shape:
                break
        clock = self.clock
        t = clock.now() if clock is not None else 0.0
        np.copyto(buf, out)
        if clock is not None:
            clock.add("convert_copy", t)
        return buf

    def _put_newest(self, item, waiting: Sequence[Callable] = ()) -> int:
        """Queue a live frame (of a source that keeps only its newest: a camera, RTSP) for the
        writer without waiting: when the writer is behind, the oldest frame waiting for it goes
        (the newest wins, as in the mailbox); the frames dropped.  (Waiting there held the main
        thread for as long as a sink's write did: a stalled virtual camera froze the preview
        window, its keys and close button unanswered.)  A source that sends in bursts (HLS)
        waits instead, its preview polled (see _put): the burst is kept, as in its mailbox; so
        does a frame the source holds (``waiting`` polled: see _holding).  For a sink watched as
        it plays (_newest_only) the frames waiting all go: the writer takes the newest next."""
        dropped = 0
        while True:
            holding = self._holding() and not self._stop.is_set()
            while self._newest_only and not holding:
                try:
                    old = self._outq.get_nowait()
                except queue.Empty:
                    break
                self._free.put(old[0])
                dropped += 1
            try:
                if holding:
                    self._outq.put(item, timeout=POLL)
                else:
                    self._outq.put_nowait(item)
                return dropped
            except queue.Full:
                if holding:
                    for f in waiting:
                        if f() is False:
                            raise _Quit
                    continue
            try:
                old = self._outq.get_nowait()
            except queue.Empty:  # (the writer took one meanwhile)
                continue
            self._free.put(old[0])
            dropped += 1

    def _count_dropped(self, n: int) -> None:
        """Add ``n`` to ``stats.dropped``, under the lock the reader counts the mailbox's drops
        under: ``st.dropped += self._put_newest(...)`` read the count before the call and stored
        it after, and the reader's drops meanwhile were lost from the count (the summary's)."""
        if n:
            with self._mail_lock:
                self.stats.dropped += n

    def _check(self) -> None:
        if self._errors:
            raise self._error()

    def _error(self) -> BaseException:
        stage, exc = self._errors[0]
        if isinstance(exc, LivecutError):
            return exc
        return StageError(f"{stage} stage failed: {type(exc).__name__}: {exc}")

    # ---- main loop
    def run(self) -> Stats:
        # (a second run waited for good: the first one's stop is set, and its reader, which
        # starts stopped, never says the end)
        if self._ran:
            raise UsageError("Pipeline.run: a Pipeline runs once; make another for another run")
        self._ran = True
        with _lock_safe_ctrl_c():  # (a Ctrl-C of Python's own, as finalize_on_signals' are)
            return self._run()

    def _run(self) -> Stats:
        st = self.stats
        st.started = clock()
        # (a live source, or a file paced to play in real time: its frames' rate, see Stats.fps)
        st.paced = bool(self.live or getattr(self.source, "pace", False) is True)
        reader = Worker(target=self._reader, name="livecut-reader", daemon=True)
        self._threads.append(reader)
        writer = None
        if self.thread_sinks:
            writer = Worker(target=self._writer, name="livecut-writer", daemon=True)
            self._threads.append(writer)
            writer.start()
        reader.start()
        completed = False
        failure: BaseException | None = None
        # a source that hands out pooled buffers wants them back once the output is copied, or
        # where a main-thread sink shows the frame (the preview; the Processor keeps its image to
        # draw it again while paused), once the next frame is shown: each frame of a camera with
        # its preview was a new array, a 1080p frame's 6 MB, 30 times a second
        release = getattr(self.source, "release_frame", None) if self.thread_sinks or self.main_sinks else None
        shown = None  # (the image of the frame the main-thread sinks show)
        # while the source delivers nothing or a frame waits for the writer (a file drops none:
        # a slow or stalled output paces the run), the preview is polled still (its keys, its
        # close button: a window not polled froze); a live source's stall is said in the window
        # (stalled), a file's wait (a read on a dead mount, a slow output) is not
        stalled = [f for f in ((getattr(s, "stalled", None) if self.live else None) or getattr(s, "poll", None)
                               for s in self.main_sinks) if f is not None]
        # processed frames dropped before the writer took them (a live source, the writer
        # behind): not counted against max_frames, which is frames written (as ffmpeg's -frames)
        # -- unless the writer wrote nothing for WRITER_STALL (stuck: it would never get there)
        lost = 0
        seen, written_at = 0, time.perf_counter()
        try:
            while True:
                self._check()
                if self.paused():
                    if self._pauses[1] is None:
                        self._pauses = (self._pauses[0], time.perf_counter())
                    for s in self.main_sinks:
                        idle = getattr(s, "idle", None)
                        if idle is not None and idle() is False:
                            raise _Quit
                    if not self.main_sinks:
                        time.sleep(POLL)
                    continue
                if self._pauses[1] is not None:  # (resumed)
                    total, since = self._pauses
                    self._pauses = (total + time.perf_counter() - since, None)
                frame = self._next_frame()
                if frame is None:  # (none for POLL s)
                    if self.progress is not None and self.live and self._waiting_since is not None:
                        self.progress.waiting(time.perf_counter() - self._waiting_since)
                    for f in stalled:
                        if f() is False:
                            raise _Quit
                    continue
                if frame is _END:
                    self.reached_end = True
                    break
                if self._rate_pts is not None and frame.pts is not None:
                    self._measure_rate(frame.pts)
                t0 = clock()  # (a Ctrl-Z's stop left out of the frame's time, see progress.clock)
                if st.first_at is None:
                    st.first_at = t0
                st.last_at = t0
                try:
                    pre = getattr(frame, "pre", None)
                    # (asked of the process run now: one put in its place, on_start's, may not take it)
                    timed = {"pts": frame.pts} if getattr(self.process, "takes_pts", False) is True else {}
                    if getattr(frame, "fit", None) is not None and getattr(self.process, "takes_fit", False) is True:
                        timed["fit"] = frame.fit
                    if (pre is None and getattr(frame, "engine_image", None) is not None
                            and getattr(self.process, "takes_engine_image", False) is True):
                        timed["engine_image"] = frame.engine_image
                    out, view = (self.process(frame.image, bool(self.thread_sinks), pre=pre, **timed) if pre is not None
                                 else self.process(frame.image, bool(self.thread_sinks), **timed))
                except LivecutError:
                    raise
                except Exception as exc:
                    raise StageError(f"processing stage failed: {type(exc).__name__}: {exc}") from exc
                st.process_ms.append((clock() - t0) * 1e3)
                st.processed += 1
                if self.after_frame is not None:
                    self.after_frame(st.process_ms[-1])
                if self.thread_sinks:
                    buf = self._slot(out)
                    if release is not None and not self.main_sinks:  # the source's buffer is free again
                        release(frame.image)
                    if buf is None:
                        self._count_dropped(1)
                        lost += 1
                    elif self.live and self._mailbox.maxlen == 1:
                        # a live source that keeps only its newest frame (a camera, RTSP; a stream
                        # over HTTP without its size once found live, see _reader): so does the
                        # writer's queue
                        n = self._put_newest((buf, frame.pts, frame.captured_at), stalled)
                        self._count_dropped(n)
                        lost += n
                    elif not self._put(self._outq, (buf, frame.pts, frame.captured_at), stalled):
                        self._check()
                for s in self.main_sinks:
                    s.write(view, frame.pts)
                    poll = getattr(s, "poll", None)
                    if poll is not None and poll() is False:
                        raise _Quit
                if release is not None and self.main_sinks:
                    # (the frame shown before this one, which no sink shows now, is free again)
                    if shown is not None:
                        release(shown)
                    shown = frame.image
                if not self.thread_sinks:
                    st.written += 1
                    st.latencies_ms.append((clock() - frame.captured_at) * 1e3)
                st.corrupt = getattr(self.source, "corrupt", 0)
                if self.progress is not None:
                    extra = f"latency {st.latency_ms:.0f} ms" + (f" {st.dropped} dropped" if st.dropped else "")
                    self.progress.update(1, extra=extra)
                if st.written != seen:
                    seen, written_at = st.written, time.perf_counter()
                if self.max_frames is not None and st.processed >= self.max_frames and (
                        st.processed - lost >= self.max_frames or time.perf_counter() - written_at > WRITER_STALL):
                    break  # (the frames queued for the writer are all written: see _finish_writer)
            completed = True
            # (the source's end or --frames: the window answers while the writer finishes, as
            # after a quit -- it froze for as long as a slow encoder took; q there is the quit,
            # q again hurries the end)
            self._answering = [f for f in map(_answer_at_end, self.main_sinks) if f is not None]
        except _Quit:
            completed = True
            # (the window keeps answering while the writer finishes: a second quit hurries it)
            self._answering = [f for f in (getattr(s, "finishing", None) for s in self.main_sinks)
                               if f is not None]
        except BaseException as exc:
            # (a signal raised in Python code that C code called comes as a SystemError with
            # it as the cause, and the processing stage's as a StageError over that: the run
            # failed, its output discarded, where the signal finalizes it)
            stop = interrupt_under(exc)
            if stop is None:
                failure = exc
                raise
            st.interrupted = True
            if stop is exc:
                raise
            raise stop from None
        finally:
            failing = failure is not None or bool(self._errors)
            try:
                self._shutdown(writer, reader, graceful=completed or st.interrupted, hurry=st.interrupted,
                               failing=failing)
            except KeyboardInterrupt as sig:
                if not (failing or self._failing):
                    raise
                self.late_signal = sig  # (the run was failing already: its error is the one raised)
            st.finish(clock())
            st.corrupt = getattr(self.source, "corrupt", 0)
            with self._mail_lock:  # (a live source's frames it skipped itself, see StreamSource._judge)
                st.dropped += getattr(self.source, "skipped", 0)
            st.lead_dropped = getattr(self.source, "lead_dropped", 0)
            unread = getattr(self.source, "lead_unread", 0)  # (lost before them: said with them)
            st.lead_damaged = bool((st.lead_dropped or unread) and getattr(self.source, "lead_damaged", False))
        self._check()
        return st

    #: a signal that came while the run was stopping on an error (that error is the one raised)
    late_signal: BaseException | None = None
    #: the user quit again while the writer finished (see _quit_again): the frames queued were
    #: not all written, even at the source's end
    hurried = False
    #: the run stops on an error that came before any signal (see _shutdown)
    _failing = False
    #: how many errors there were when a signal interrupted the wait for the writer
    _errors_at_signal: int | None = None

    def _shutdown(self, writer, reader, graceful: bool, hurry: bool = False, failing: bool = False) -> None:
        """Stop the reader, let the writer finish what is queued (when graceful), join both.

        A graceful end waits for the writer as long as it writes (a slow encoder, a slow
        reader of ``-o -``); one that has written nothing for WRITER_STALL seconds is stuck in
        a sink (an srt:// listener nobody called, a reader that stopped reading) and its sinks
        are cancelled.  A writer that still does not stop leaves its sinks abandoned: they
        are not closed under it (that crashed the process).  After Ctrl-C or a signal
        (``hurry``) a file's writer ends after the frame it is encoding (the queued frames are
        dropped) -- one whose write does not end within WRITER_STALL is stuck (a disk that
        stopped answering: told from a slow encoder no sooner) and its sinks are abandoned --,
        and a peer's writer that writes nothing for HURRY_STALL counts as stuck; a further
        signal while waiting cancels the sinks at once.  After a quit (q in the preview), and
        at the source's end, its window keeps answering while the writer finishes: a second
        quit there hurries the end as a first Ctrl-C does (a file's frame being encoded is the
        last; the output is finalized), without interrupting the run.

        ``failing``: the run stops on an error (a reader's, the processing's).  A signal
        meanwhile only hurries the shutdown: it is kept in :attr:`late_signal`, and the error, which
        came first, is the run's (as it is without the signal: its outputs are not finished)."""
        # nothing more is read: a live source waiting to reconnect gives up now
        self._ending = True
        getattr(self.source, "stop", lambda: None)()
        signalled = False
        try:
            if writer is not None:
                self._finish_writer(writer, graceful and not self._errors, hurry)
        except KeyboardInterrupt as sig:  # (a signal while waiting for the writer)
            signalled = True
            before = self._errors_at_signal if self._errors_at_signal is not None else len(self._errors)
            if not (failing or before):
                raise
            self.late_signal = sig  # (an error came first: it is the run's)
        except BaseException:
            signalled = True
            raise
        finally:
            # (an error by now came before any signal still to come: it is the run's)
            failing = self._failing = (failing or self.late_signal is not None
                                       or (not signalled and bool(self._errors)))
            self._stop.set()
            deadline = time.perf_counter() + JOIN_TIMEOUT
            while reader.is_alive() and time.perf_counter() < deadline:
                self._drain(self._inq)  # a reader blocked on a full queue wakes up
                if self._left_to_close():
                    break  # (a read that may never return: the source's close is safe under it)
                reader.join(POLL)
            self._drain(self._inq)
            # (a live source's reader can only be waiting in its read: a camera's capture waits
            # up to 10 s for a frame that does not come; the source's close is safe under it)
            alive = [t.name for t in (reader, writer) if t is not None and t.is_alive()
                     and not (t is reader and (self.live or self._left_to_close()))]
            if alive and not self._errors:
                # (a writer given up on inside a sink that says why it could not be finished, a
                # virtual camera whose send did not return: said as a signal's line says it --
                # "livecut-writer did not stop", a thread's name, was all q's end said)
                stuck = self._given_up
                why = getattr(stuck, "stall_reason", "") if writer is not None and alive == [writer.name] else ""
                self._errors.append(("shutdown", StageError(f"{stuck.label} could not be finished: {why}" if why
                                                            else f"{', '.join(alive)} did not stop")))
            # a sink whose closing writes to a reader that may have stopped reading (-o -):
            # closed here, in a thread of its own, so that a signal still ends the run
            quick = signalled or hurry or not graceful or bool(self._errors)
            # (then without a flush; after a signal that came first, with it)
            failed = bool(self._errors) and (failing or not (signalled or hurry))
            for s in self.thread_sinks:
                if getattr(s, "close_may_block", False):
                    if hasattr(s, "cut_short") and self._short():
                        s.cut_short = True  # (closed before run_video says so: only the audio its video covers)
                    elif hasattr(s, "last_end") and getattr(self.source, "last_end", None) is not None:
                        s.last_end = self.source.last_end  # (as run_video says it: a GIF's pause on its last picture)
                    wait = HURRY_STALL if (signalled or hurry) else JOIN_TIMEOUT if quick else WRITER_STALL
                    self._close_bounded(s, wait, abort=failed)

    def _left_to_close(self) -> bool:
        """Whether the reader waits in the read of a source whose ``close()`` is safe while a
        read runs (``close_while_reading``: it closes when the read returns): then the run ends
        without waiting for that read (a stuck camera, a file on a dead mount: 1 s of
        JOIN_TIMEOUT, then the source's own wait to close, was 1.5 s after Ctrl-C)."""
        return self._in_read and getattr(self.source, "close_while_reading", False)

    def _short(self) -> bool:
        """Whether the frames written stop before the source's end (--frames, quit, a signal,
        a truncated file)."""
        if not self.reached_end or self.hurried:
            return True
        try:
            return bool(self.shortfall())
        except Exception:  # noqa: BLE001 -- (run_video asks again, and reports it)
            return False

    def shortfall(self):
        """The source's ``shortfall()`` (a truncated file: frames read and expected), asked of
        it once: near its end it may read the file's last seconds again."""
        if not hasattr(self, "_shortfall"):
            self._shortfall = getattr(self.source, "shortfall", lambda: None)()
        return self._shortfall

    def _close_bounded(self, sink, timeout: float, abort: bool = False) -> None:
        """``sink.close()`` (``sink.abort()`` after a failure) in a helper thread, waited for
        ``timeout`` seconds (interruptibly); one that does not end by then leaves the sink
        abandoned."""
        def close() -> None:
            try:
                (sink.abort if abort else sink.close)()
            except BaseException as exc:  # noqa: BLE001 -- handed to the main thread
                self._fail("writer", exc)

        t = Worker(target=close, name="livecut-close", daemon=True)
        end = time.perf_counter() + timeout
        try:
            # (in the try: a signal in start(), which waits for the thread to be running, left
            # close() running, not given up: a second close, the run's end's, ran at once with it)
            t.start()
            while t.is_alive() and time.perf_counter() < end:
                t.join(POLL)
        finally:  # (a signal while waiting, or the time is up: the reader stopped reading)
            if not t.done():  # (not is_alive(): False while the thread, started, has no ident yet)
                _give_up([sink])
                if not self._errors:
                    self._errors.append(("writer", StageError("the output could not be finished: its "
                                                              "reader stopped reading")))

    def _finish_writer(self, writer, graceful: bool, hurry: bool = False) -> None:
        # only a sink that writes to a peer can be stuck (cancel() makes its write fail); a
        # file's encoder is only slow (x265 veryslow, 4K): waited for as long as it writes (after
        # a signal: its write may take up to WRITER_STALL; a peer's, after a signal, HURRY_STALL)
        peers = any(getattr(s, "cancel", None) is not None for s in self.thread_sinks)
        stall = HURRY_STALL if hurry and peers else WRITER_STALL
        signalled = hurry  # (a quit again hurries too; a signal after it is still the first)
        if hurry and not peers:
            self._hurry = True  # after Ctrl-C: the frame being encoded is the last one
        try:
            if graceful:
                self._finishing = True
                ended = False
                last, since = self.stats.written, time.perf_counter()
                while writer.is_alive():
                    if not ended:  # (the writer takes from the queue: room comes as it writes)
                        try:
                            self._outq.put(_END, timeout=POLL)
                            ended = True
                        except queue.Full:
                            pass
                    else:
                        writer.join(POLL)
                    if self._errors:
                        break
                    if not hurry and self._quit_again():
                        # (as after Ctrl-C: a file's frame being encoded is the last one, and
                        # it is finalized; a peer's writer that writes nothing for HURRY_STALL
                        # is stuck)
                        hurry, stall = True, HURRY_STALL if peers else WRITER_STALL
                        self.hurried = True
                        if not peers:
                            self._hurry = True
                    if self.stats.written != last:
                        last, since = self.stats.written, time.perf_counter()
                    elif (peers or hurry) and time.perf_counter() - since > stall:
                        if not hurry and getattr(self._in_sink, "holding", False):
                            # (waiting for its frame's time: a file's frame held for seconds,
                            # not a stuck peer; after a signal or a second quit it is cut short)
                            since = time.perf_counter()
                            continue
                        break  # stuck in a sink
                self._finishing = False  # (the writer ends at the stop now, without an _END)
            self._stop.set()
            # (after an error a peer's write that does not end is cancelled soon: the run ends
            # within a second of the error; a file's encoder may end the frame it is encoding)
            writer.join(POLL if graceful else HURRY_STALL if peers else JOIN_TIMEOUT)
        except BaseException:  # Ctrl-C / a signal while waiting: stop writing now
            self._errors_at_signal = len(self._errors)
            self._stop.set()
            # a file: the frame being encoded is the last, then it is finalized (after a first
            # signal already, this one is the one that aborts; after an error it is not
            # finalized: the signal only hurries the shutdown, the write is not waited for)
            if not peers and not signalled and graceful:
                self._hurry = True
                try:
                    last, since = self.stats.written, time.perf_counter()
                    while writer.is_alive():
                        writer.join(POLL)
                        if self.stats.written != last:
                            last, since = self.stats.written, time.perf_counter()
                        elif time.perf_counter() - since > WRITER_STALL:
                            break  # (a write that does not end: stuck, abandoned below)
                except BaseException:  # noqa: BLE001 -- a third signal: give it up
                    pass
            self._release_writer(writer, HURRY_STALL)
            raise
        self._release_writer(writer, HURRY_STALL if hurry or not graceful else JOIN_TIMEOUT)

    def _quit_again(self) -> bool:
        """Whether the user quit again (q, Esc, the window closed) while the writer finishes
        after a quit: the window answers meanwhile (it froze for as long as a slow encoder
        took).  A window that fails now is not asked again (the output is finished still)."""
        for f in self._answering:
            try:
                if f() is False:
                    self._answering = []
                    return True
            except Exception:  # noqa: BLE001 -- (the run's end: its output matters more)
                self._answering = [g for g in self._answering if g is not f]
                return False
        return False

    def _release_writer(self, writer, timeout: float = JOIN_TIMEOUT) -> None:
        """Cancel the sink a writer that has not stopped is inside (a write blocked on a peer
        fails), and abandon that sink if the writer still does not stop within ``timeout`` (at
        once when the sink cannot be cancelled: nothing would end the write): closing a sink
        under a running write crashed the process.  The writer enters no sink after that; the
        others it fed (a recording beside a stalled virtual camera) are left to be finished
        as usual, with the frames they have."""
        if not writer.is_alive():
            return
        with self._sink_lock:
            stuck = self._in_sink
        try:
            cancel = getattr(stuck, "cancel", None)
            if cancel is not None:
                cancel()
            if cancel is not None or stuck is None:  # (between two writes: it ends at the stop)
                writer.join(timeout)
        finally:  # (a signal while waiting too: the writer is given up on all the same)
            with self._sink_lock:
                self._released = True
                stuck = self._in_sink if writer.is_alive() else None
            if stuck is not None:
                _give_up([stuck])
                self._given_up = stuck

    #: the sink the writer was given up on inside (see _release_writer), None if none
    _given_up = None

    @staticmethod
    def _drain(q: queue.Queue) -> None:
        try:
            while True:
                q.get_nowait()
        except queue.Empty:
            pass


def _answer_at_end(sink) -> Callable[[], bool] | None:
    """What the pipeline polls of a main-thread sink while the writer finishes at the source's
    end (or at --frames): its ``poll`` until the user quits there (the frames queued are written
    still, as after a quit), then its ``finishing`` (False: hurry the end, see _quit_again)."""
    poll, finishing = getattr(sink, "poll", None), getattr(sink, "finishing", None)
    if poll is None:
        return finishing
    quit = []

    def answer() -> bool:
        if not quit:
            if poll() is False:
                quit.append(True)
            return True
        return finishing() if finishing is not None else True

    return answer


def _give_up(sinks: Iterable) -> None:
    """Sinks a write may still be running in: make that write fail where it can (cancel),
    and never touch them again (abandon: closing one under the write crashed the process)."""
    for s in sinks:
        getattr(s, "cancel", lambda: None)()
        getattr(s, "abandon", lambda: None)()


def check_video_args(cfg: Config, output: str | None, mode: str | None = None, background: str | None = None,
                     force: bool = False, preview: bool = False,
                     extra_sinks: Iterable[tuple[str, dict]] = ()) -> None:
    """Refuse, before any input is read, what :func:`run_video` would refuse at its start: a
    bad mode or background (a picture background is read), an output file that exists
    without ``force``, a ``preview`` without a display or a virtual camera of ``extra_sinks``
    that certainly cannot open (see :func:`_check_devices`)."""
    if mode is not None:
        mode = mode_word(mode)
        _check_mode(mode)
    comp = Compositor(cfg, background=background, mode=mode)
    _check_output(output, (), force, comp.channels, cfg, _alpha_asked(cfg, mode, background))
    _check_devices(preview, None, extra_sinks)


def _alpha_asked(cfg: Config, mode: str | None, background: str | None) -> str:
    """The configuration's setting that makes a run's output transparent where no option
    (``mode``, ``background``: --mode, -b) does, as a refusal of it says it; else ``""``."""
    if mode is None and cfg.composite.mode == "cutout":
        return "composite.mode = cutout"
    if (mode or cfg.composite.mode) == "composite" and background is None \
            and cfg.composite.background.strip().lower() in ("transparent", "none"):
        return f"composite.background = {cfg.composite.background}"
    return ""


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        # (the library's words: the command line says --mode, see cli._check_video_flags)
        from livecut.config import _did_you_mean

        raise UsageError(f"mode {mode!r}: expected one of {', '.join(MODES)}{_did_you_mean(str(mode), MODES)}")


def _check_output(output: str | None, inputs: tuple, force: bool, channels: int, cfg: Config,
                  alpha_asked: str = "") -> None:
    """Refuse what opening ``output`` would refuse whatever the source gives (see
    :func:`_check_output_file`, :func:`livecut.sinks.check_sink`): said before a source is
    opened, which for a stream may take video.open_timeout (or fail for its own reasons) and
    for a camera turns it on.  ``alpha_asked``: the configuration's setting that made the
    output transparent (:func:`_alpha_asked`), said where the output refuses transparency."""
    try:
        _check_output_file(output, inputs, force)
    except OutputExistsError:
        # (an output there that the run would refuse anyway -- -o out.mp4 -b transparent, a
        # video.codec its type refuses -- said to give --force, which then said that refusal:
        # that one is said first)
        if output and not force:
            _check_output(output, inputs, True, channels, cfg, alpha_asked)
        raise
    if output:
        from livecut.sinks import check_sink

        try:
            check_sink(output, channels, cfg)
        except UsageError as exc:
            # (-c my.toml holding composite.mode = "cutout", for photos: "out.mp4: .mp4 video cannot
            # keep transparency", though nothing on the command line asked for transparency)
            if channels != 4 or not alpha_asked:
                raise
            try:
                check_sink(output, 3, cfg)
            except LivecutError:
                raise exc from None
            raise UsageError(f"{exc}; the transparency is the configuration's: {alpha_asked}") from None


def _check_output_file(output: str | None, inputs: tuple, force: bool) -> None:
    """Refuse an output file that exists without ``force``, or that is one of ``inputs`` (also
    standard output, ``-o -``, appending to one)."""
    from livecut.sinks import sink_kind

    if output == "-":
        from livecut.sinks.network import check_stdout_not_an_input

        check_stdout_not_an_input(inputs)
    if output and sink_kind(output) == "file":
        from livecut.sinks.file import check_output

        check_output(output, inputs, force)


def choose_pixel_format(cfg: Config, source, processor: Processor, sinks: Sequence) -> str:
    """``"yuv420p"`` when frames can stay I420 from the source to every sink: ``video.yuv``
    is ``auto``, the source decodes yuv420p, 4:2:2 or 4:4:4 of even size (a file, not live), the mode and
    background work on I420 (:attr:`Processor.supports_i420`) and every sink is a yuv420p
    video file of the same size (no preview, virtual camera, PNG, BGRA or network output);
    ``"bgr24"`` otherwise."""
    if cfg.video.yuv != "auto" or not sinks:
        return "bgr24"
    if not getattr(source, "can_yuv420p", False) or not processor.supports_i420:
        return "bgr24"
    if not all(getattr(s, "accepts_i420", False) for s in sinks):
        return "bgr24"
    return "yuv420p"


def _holds(output: str, what: str) -> str:
    """'; OUTPUT holds WHAT' of a run that ended early, for its one-line message: standard output
    said as on a signal ('stdout finalized with ...': '- holds' read as a typo, and a stream holds
    nothing), ``null:``, which keeps nothing, not said ('null: holds the 5 frames written')."""
    from livecut.sinks import sink_kind

    if output == "-":
        return f"; stdout finalized with {what}"
    return "" if sink_kind(output) == "null" else f"; {output} holds {what}"


def _finalized(output: str | None, sinks: Sequence, written: int, out_sink=None, dropped: int = 0,
               failed: Sequence[str] = ()) -> str:
    """What became of ``output`` (written by ``out_sink``) and of the other sinks given up on
    (a virtual camera whose send did not return) after an interrupt, for the one-line message;
    the live frames ``dropped``, which the summary, not printed then, counts; and the closing
    failures ``failed`` of the sinks that keep nothing (a virtual camera whose device is gone)."""
    parts = []
    for s in sinks:
        if s is out_sink or not getattr(s, "abandoned", False):
            continue
        label = getattr(s, "label", "an output")
        why = getattr(s, "stall_reason", "")
        parts.append(f"{label} could not be finished" + (f": {why}" if why else ""))
    from livecut.sinks import sink_kind

    if output and sink_kind(output) != "null":  # (which keeps nothing: it was 'null: finalized with 39 frames')
        from livecut.urls import redact_url

        output = redact_url(output, publishing=True)  # (an output URL's password, stream key or passphrase)
        if output == "-":  # (as the stream's other messages name it: "- finalized" read as a typo)
            output = "stdout"
        frames = getattr(out_sink, "frames", None)
        frames = frames if isinstance(frames, int) else written
        if getattr(out_sink, "abandoned", False):
            why = ": its reader did not take the rest" if getattr(out_sink, "cancel", None) is not None else ""
            parts.insert(0, f"{output} could not be finished{why}")
        elif isinstance(left := getattr(out_sink, "left_after", None), int) and not isinstance(left, bool):
            # (a listening output whose viewer left, stopped while it waited for the next: it said
            # "could not be finished: its viewer did not take the rest", of a stream nobody watched)
            parts.insert(0, f"{output} was waiting for a new viewer; {_frames(left)} sent before the last one left")
        elif isinstance(getattr(out_sink, "unreached", None), str) and out_sink.unreached:
            # (an srt:// output's frames that never left: no peer came before the signal)
            parts.insert(0, f"nothing reached {output}: {out_sink.unreached}")
        elif isinstance(getattr(out_sink, "unfinished", None), str) and out_sink.unfinished:
            # (a stream whose end its server or peer did not take: not "finalized")
            parts.insert(0, f"{output} could not be finished: {out_sink.unfinished}")
        elif getattr(out_sink, "kept_earlier", False) is True:
            done = (f"the {_frames(frames)} done are not kept" if frames > 1 else "the frame done is not kept"
                    if frames == 1 else "no frame was done")  # (it was 'the 0 frames done are not kept')
            parts.insert(0, f"{output} left as it was before the run; {done}")
        elif not frames:
            parts.insert(0, f"nothing was written to {output}")
        else:
            parts.insert(0, f"{output} finalized with {_frames(frames)}")
    if dropped:
        parts.append(_dropped(dropped))
    parts.extend(failed)
    return f" ({'; '.join(parts)})" if parts else ""


def _close_placed(stack: ExitStack, out_sink) -> Terminated | None:
    """``stack.close()``, the outputs finalized; a signal that aborts the finalizing (the third,
    see :func:`finalize_on_signals`) raised once ``out_sink``'s output was renamed into place
    (:attr:`placed`: as its folder was flushed) is too late: the closes it cut short are done and
    it is returned, the run said as finalized.  It ended the run with a bare 'stopped by SIGTERM',
    the whole output at its name unmentioned.  (A plain KeyboardInterrupt, a program's own
    Ctrl-C, is raised as ever.)"""
    try:
        stack.close()
    except Terminated as exc:
        if not getattr(out_sink, "placed", False):
            raise
        stack.close()  # (the callbacks after the one it stopped: ExitStack pops each as it goes)
        return exc
    return None


def _frames(n: int) -> str:
    """``n`` frames, one said as one ("finalized with 1 frames" read as a typo)."""
    return f"{n} frame{'s' if n != 1 else ''}"


def _dropped(n: int) -> str:
    """The live frames dropped (the newest kept), as the line of a run that ends without its
    summary says them."""
    return f"{_frames(n)} dropped"


def _cut_short(sinks: Iterable, interrupted: bool = False, keep_earlier: bool = False) -> None:
    """Tell the sinks the run stopped before the source's end (--frames, quit, Ctrl-C): a
    file sink then copies only the audio its video covers; ``interrupted`` (a signal): a
    network sink does not wait for its peer when closing; ``keep_earlier`` (a signal stopped
    a run of a file, not a live one, whose stop is Ctrl-C): a file sink leaves an output that
    was at its name before (``--force``) as it was, the frames so far not kept."""
    told = {"cut_short": True, "interrupted": interrupted, "keep_earlier": keep_earlier}
    _tell(sinks, **{name: True for name, on in told.items() if on})


def _tell(sinks: Iterable, **attrs) -> None:
    """Set each of ``attrs`` on the sinks that have that attribute (the others do not use it)."""
    for s in sinks:
        for name, value in attrs.items():
            if hasattr(s, name):
                setattr(s, name, value)


def _with_frames(exc: Exception, frames: int, warnings: list[str] | None = None) -> Exception:
    """``exc`` saying how many frames the output holds (``exc.frames``: batch records them) and
    what the run noted before it ended so (``exc.warnings``, as :attr:`Stats.warnings`: the
    command line says them before the error)."""
    exc.frames = frames  # type: ignore[attr-defined]
    exc.warnings = list(warnings or [])  # type: ignore[attr-defined]
    return exc


def _check_devices(preview: bool, preview_options: dict | None, extra_sinks: Iterable[tuple[str, dict]]) -> None:
    """:class:`DisplayUnavailable` (exit 2) for a preview without a display,
    :class:`DeviceUnavailable` for a virtual camera that certainly cannot open, before the
    source is opened."""
    if preview and (preview_options or {}).get("imshow") is None:
        from livecut.sinks.preview import check_display

        check_display()
    for kind, options in extra_sinks:
        if kind == "vcam":
            from livecut.sinks.vcam import check_available

            check_available(options.get("device"), options.get("backend"))


class _Quit(Exception):
    """The preview asked to quit."""


class _FirstFailure:
    """On a run's ExitStack: an error that stops the run, then a signal, or another error,
    while the outputs and the source close (their ``__exit__``) -- the error is raised, not
    the signal nor the closing's error (a virtual camera whose send failed, its device gone,
    then failed to close: only 'closing failed' was said): the first failure wins.
    :meth:`note` is pushed last (called first, with the error); the instance is entered
    first (its ``__exit__`` is called last, with what propagates by then)."""

    def __init__(self) -> None:
        self.error: BaseException | None = None
        #: the closing failures of sinks that keep nothing (a virtual camera), held while the
        #: others close (see :meth:`closing`): raised once all are closed, unless ``raise_held``
        #: is False (a run stopped by a signal says them in its line: it stays stopped, exit 130)
        self.held: list[Exception] = []
        self.raise_held = True

    def note(self, exc_type, exc, tb) -> bool:
        if exc is not None and not isinstance(exc, KeyboardInterrupt):
            self.error = exc
        return False

    def closing(self, sink) -> Callable:
        """The exit of ``sink``, a sink that keeps nothing (a virtual camera), for the stack: its
        closing's failure where nothing else failed is held (:attr:`held`) -- raised through
        the rest of the stack, it made the recording beside it (``-o rec.mp4 --vcam``) close as
        a failed run's, thrown away whole."""

        def exit_(exc_type, exc, tb) -> bool:
            if exc is not None:
                return bool(sink.__exit__(exc_type, exc, tb))
            try:
                sink.__exit__(None, None, None)
            except Exception as failure:  # noqa: BLE001 -- raised once the others closed
                self.held.append(failure)
            return False

        return exit_

    def __enter__(self) -> "_FirstFailure":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if self.error is not None and exc is not None and exc is not self.error:
            raise self.error
        if exc is None and self.held and self.raise_held:
            raise self.held[0]
        return False


# ------------------------------------------------------------------ entry point

def _note_warnings(stats: Stats, spec: str, source, sinks: Sequence, processor: Processor) -> None:
    """Add what the source, the sinks and the engine noted in the run to ``stats.warnings``."""
    for s in (source, *sinks):  # (said once: a recording and a virtual camera fit the same picture)
        stats.warnings.extend(w for w in getattr(s, "warnings", []) if w not in stats.warnings)
    stats.partial[:] = getattr(source, "partial", None) or []
    # (shares of the frames whose states were counted, the frames composited: a signal between a
    # frame's compositing and its count in stats.processed leaves one more of them)
    frames = max(stats.processed, getattr(processor, "composited", 0))
    stats.warnings.extend(state_notes(processor.states, frames, processor.counts()[2]))
    n = stats.lead_dropped  # (one was "the first 1 frame could not be decoded ... and are not")
    lost = getattr(source, "start_lost", None)
    if lost:
        # (damaged data before the first read of a file with no index to count what it held, an
        # MKV written to a pipe whose opening clusters were wiped, an MPEG-TS stream's first
        # packets zeroed: passed over in silence, exit 0, the run's last line a whole video's, and
        # the frames read then that could not be decoded said to be a cut clip's)
        at, why = lost
        stats.partial.insert(0, f"the video's frames before {at:.1f} s")
        more = (f"; the first {'frame' if n == 1 else f'{n} frames'} read after it could not be decoded "
                "either" if n else "")
        stats.warnings.append(f"{Path(spec).name}: the video's frames before its first read, at {at:.1f} s, could not "
                              f"be read ({why}{more}): the output lacks them")
    elif stats.lead_damaged:
        # (damaged data at its start, a key frame's zeroed: it was 'the first 24 frames could not be
        # decoded (the video starts between key frames: a cut or open-GOP clip)', of 25 lost, and
        # the run's last line ended as a whole video's; the frames are the packets read, counted,
        # and those a stretch of damaged data passed over before them held, see FileSource.lead_unread)
        n += getattr(source, "lead_unread", 0)
        first = "first frame" if n == 1 else f"first {n} frames"
        stats.partial.insert(0, f"the video's {first}")
        stats.warnings.append(f"{Path(spec).name}: the video's {first} could not be read (damaged data at "
                              f"its start, skipped): the output lacks {'it' if n == 1 else 'them'}")
    elif n:  # (not "every frame": the summary counts them too)
        first, are = ("first frame", "is") if n == 1 else (f"first {n} frames", "are")
        stats.warnings.append(f"{Path(spec).name}: the {first} could not be decoded (the video starts "
                              f"between key frames: a cut or open-GOP clip) and {are} not in the output")


def _sink_pairs(extra_sinks) -> list[tuple[str, dict]]:
    """run_video's ``extra_sinks`` as a list of ``(kind, options)`` pairs (their options copied); a
    pair of another shape (('vcam',), a bare 'vcam') is a :class:`ConfigTypeError` (it was a bare
    ValueError, 'not enough values to unpack')."""
    pairs = []
    for item in [extra_sinks] if isinstance(extra_sinks, (str, bytes)) else extra_sinks:
        if not (isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str)
                and isinstance(item[1], Mapping)):
            raise ConfigTypeError(f"run_video: extra_sinks takes (kind, options) pairs, e.g. [('vcam', {{}})], "
                                  f"got {item!r:.60}")
        pairs.append((item[0], dict(item[1])))
    return pairs


def _argument_or_option(name: str, value: bool | None, source_options: dict | None) -> bool | None:
    """run_video's flag ``name`` (``live``, ``pace``): ``value``, or ``source_options``' of that
    name where the argument is None; the two given unlike is a :class:`UsageError`."""
    if not source_options or source_options.get(name) is None:
        return value
    given = check_flag(source_options[name], name, "run_video: source_options")
    if value is not None and value != given:
        raise UsageError(f"run_video: {name}={value} and source_options {name}={given}: give one of them")
    return given


#: what run_video gives its preview window itself, not taken from ``preview_options``
_PREVIEW_GIVEN = {"controls": "the run's keyboard controls", "stats": "the run's Stats",
                  "display_checked": "whether the display was asked for", "others": "whether the run writes elsewhere"}


def run_video(spec: str | Path | int, output: str | Path | None, cfg: Config | None, *, mode: str | None = None,
              background: str | None = None, max_frames: int | None = None, preview: bool = False,
              force: bool = False, size: tuple[int, int] | None = None, fps: float | None = None,
              live: bool | None = None, pace: bool | None = None, progress: bool = True,
              extra_sinks: Iterable[tuple[str, dict]] = (),
              preview_options: dict | None = None, source_options: dict | None = None,
              on_start: Callable[[Any], None] | None = None, clock=None) -> Stats:
    """Open the source, the sinks, and run the pipeline.

    ``extra_sinks``: ``(kind, options)`` pairs opened with :func:`open_sink` (e.g.
    ``("vcam", {...})``), in addition to ``output`` (a file, ``DIR/`` or URL) and
    the preview; ``preview_options``: the preview window's own (:class:`~livecut.sinks.preview.PreviewSink`'s:
    ``imshow``, ``waitkey``, ``snapshot_dir`` ...), given with ``preview=True`` (without a preview, a
    :class:`UsageError`).  ``pace``: read a file at its own speed (None: when a preview or a
    virtual camera shows it; False: as fast as possible, a virtual camera included).
    ``source_options``: :func:`~livecut.sources.open_source`'s own (``fourcc``, ``alpha`` -- a file's own
    alpha is read unless it is False --, ``pace`` and ``live`` as the arguments, one given both ways alike ...).
    Raises :class:`Interrupted` (exit 130) on Ctrl-C after finalizing.  ``size`` (width,
    height) and ``fps``: what a camera is asked for; a file or a stream is read at its own (given
    for one, a :class:`UsageError`).

    Frames travel as I420 (no colour conversion, see :func:`choose_pixel_format`) from a
    yuv420p file to a yuv420p video file when nothing on the way needs BGR
    (``video.yuv = "auto"``); ``stats.pixel_format`` says which.  ``clock``: a
    :class:`livecut.stageclock.StageClock` that collects the CPU time of each stage.
    """
    from contextlib import ExitStack

    from livecut.progress import Progress
    from livecut.sinks import SinkInfo, open_sink, sink_kind
    from livecut.sources import open_source, source_kind

    from livecut.urls import spec_text

    if max_frames is not None and (isinstance(max_frames, bool) or not isinstance(max_frames, numbers.Integral)):
        # ('3' was a bare TypeError; 2.5 wrote 3 frames, True 1)
        raise ConfigTypeError(f"max_frames {max_frames!r}: expected a whole number of frames, at least 1 "
                              "(None: to the end)")
    if max_frames is not None and max_frames < 1:
        raise UsageError(f"max_frames {max_frames!r}: expected at least 1 (None: to the end)")
    # (preview='no' is truthy: it was taken for a preview and said as 'open_source: pace must be
    # True or False, got 'no'', an argument not given; force, live and pace were said as open_sink's
    # or open_source's, progress='no' showed the bar)
    preview, force, progress = (check_flag(value, name, "run_video") for name, value in
                                (("preview", preview), ("force", force), ("progress", progress)))
    live, pace = (None if value is None else check_flag(value, name, "run_video")
                  for name, value in (("live", live), ("pace", pace)))
    kind = source_kind(spec)
    cfg = whole_config(cfg, "run_video")
    # (a pathlib.Path, as open_sink takes, was an AttributeError ('endswith') deep in the checks)
    output = None if output is None else spec_text(output, "run_video", empty=True)  # ("": none, as before)
    extra_sinks = _sink_pairs(extra_sinks)  # an iterator is read once; pop() below
    for name, value in (("source_options", source_options), ("preview_options", preview_options)):
        if value is not None and not isinstance(value, Mapping):  # (a list: a bare TypeError, a str a ValueError)
            raise ConfigTypeError(f"run_video: {name} must be a dict of options or None, got {type(value).__name__}")
    if on_start is not None and not callable(on_start):  # (a bare TypeError once the sinks were open)
        raise ConfigTypeError(f"run_video: on_start must be a function taking the Pipeline, or None, "
                              f"got {type(on_start).__name__}")
    # (the same file as the output and in extra_sinks: the output was finished into it, then the
    # other's file refused there, "exists (written by another run meanwhile?)", the run failed
    # with that file left complete)
    files = ([output] if output and sink_kind(output) == "file" else []) + [
        spec_text(o.get("spec", k), "run_video") for k, o in extra_sinks if k == "file"]
    places = [os.path.realpath(f.rstrip("/") or f) for f in files]
    for i, place in enumerate(places):
        if place in places[:i]:
            raise UsageError(f"run_video: {files[i]}: given as two outputs (output, extra_sinks), which "
                             "would write one file: give each output a file of its own")
    if clock is not None and not (callable(getattr(clock, "now", None)) and callable(getattr(clock, "add", None))):
        # (clock=5 was "reader stage failed: AttributeError: 'int' object has no attribute 'now'",
        # the source and output opened first)
        raise ConfigTypeError(f"run_video: clock must be a livecut.stageclock.StageClock or None, "
                              f"got {type(clock).__name__}")
    if size is not None or fps is not None:
        from livecut.sources import camera_request

        # (in the library's words, before anything is opened: a camera's was said once it was
        # found there; size=() or fps=0 was taken for none; a file's or a stream's were ignored
        # without a word)
        size, fps = camera_request(size, fps, kind, "run_video")
    # (source_options={'live': True} for a file went to open_source, read live, while the run's own
    # choices -- 'nothing to write', its pace -- were made from live=None, a file's; {'pace': True}
    # for a file with an output was read as fast as it could be, pace=None's choice taken over it:
    # each is taken as the argument of its name)
    live = _argument_or_option("live", live, source_options)
    sinks_wanted = bool(output) or preview or bool(extra_sinks)
    if not sinks_wanted:
        if kind == "file" and not live:
            raise UsageError("nothing to write: give an output, a virtual camera (extra_sinks) and/or preview=True")
        preview = True
    if preview_options and not preview:
        # (they were ignored without a word: an injected imshow never called, a misspelt key not said)
        raise UsageError(f"run_video: preview_options ({', '.join(map(str, preview_options))}) are the preview "
                         "window's: give preview=True with them, or leave them out")
    if preview_options:
        # (those run_video gives the window itself, and open_sink's own arguments -- kind, info --,
        # were a bare TypeError once the source was open, "open_sink() got multiple values for
        # keyword argument 'controls'")
        from livecut.config import check_options
        from livecut.sinks import PREVIEW_OPTIONS

        for key in preview_options:
            if key in _PREVIEW_GIVEN:
                raise ConfigTypeError(f"run_video: preview_options {key}: run_video gives the window its own "
                                      f"({_PREVIEW_GIVEN[key]}); leave it out")
        check_options(preview_options, PREVIEW_OPTIONS - _PREVIEW_GIVEN.keys(), "run_video: preview_options")
    opts = dict(source_options or {})
    pace = _argument_or_option("pace", pace, opts)
    if size is not None:
        opts["size"] = size
    if fps is not None:
        opts["fps"] = fps
    if live is not None:
        opts["live"] = live
    if kind == "file":  # (a video with an alpha of its own: what it leaves transparent stays so;
        # source_options={'alpha': False} reads the picture alone, as open_source does -- it was overridden)
        opts.setdefault("alpha", True)
    if kind == "file" and not live:
        # (-o vcam as --vcam: its own pacing takes a frame held over 2 s for a jump and sent a
        # slideshow's frames at once)
        shown = preview or any(k == "vcam" for k, _ in extra_sinks) or (bool(output) and sink_kind(output) == "vcam")
        opts["pace"] = shown if pace is None else pace
    if pace is False:
        for k, o in extra_sinks:
            if k == "vcam":
                o.setdefault("pace", False)
    processor = Processor(cfg, mode=mode, background=background)
    stats = Stats()
    if threading.current_thread() is threading.main_thread():
        _LATE.clear()  # (one of an earlier run in this process: not this run's)
    inputs = (spec,) + ((processor.comp.background.path,) if processor.comp.background.path else ())
    with ExitStack() as stack:
        stack.callback(outputs_finishing, False)  # (the last: once the run is over, see below)
        first = stack.enter_context(_FirstFailure())
        stack.enter_context(processor)
        if kind == "file":  # (a file that is not there: said before an output there, which --force mends)
            from livecut.sources.file import check_present

            check_present(spec)
        # an output file that exists (no --force) or is an input, or that cannot be written as
        # asked (a cutout's alpha into .mp4, a URL without a port, -o - on a terminal): refused
        # before a stream opens
        try:
            _check_output(output, inputs, force, processor.channels, cfg, _alpha_asked(cfg, mode, background))
        except OutputExistsError:
            # (-o out.mp4 --preview with no display, or --vcam with no virtual camera, where
            # out.mp4 was there said to give --force, which then said that refusal: said first)
            _check_devices(preview, preview_options, extra_sinks)
            if kind == "file":
                # (and a file that is no video it reads: a recording cut short before its index, a
                # HEIC photo, a damaged file, said to give --force, which then said what it is)
                from livecut.sources.file import FileSource

                FileSource(spec).close()
            raise
        # as is a display or a virtual camera that is not there, before a stream (which may
        # take video.open_timeout to answer, or not answer at all) or a camera (opening it
        # turns it on, its light too, for nothing); a camera or a file that is not there is
        # said at once, and first
        early = kind in ("stream", "camera")
        if kind == "camera":
            from livecut.sinks import sink_kind
            from livecut.sinks.vcam import _spec_device, device_path
            from livecut.sources.camera import camera_index, check_not_its_own_output, check_present

            check_present(camera_index(spec))
            check_not_its_own_output(camera_index(spec), [device_path(o.get("device")) for k, o in extra_sinks
                                                          if k == "vcam"]
                                     + ([_spec_device(output)] if output and sink_kind(output) == "vcam" else []))
        if early:
            _check_devices(preview, preview_options, extra_sinks)
        try:
            source = stack.enter_context(_ClosedLeftOnASignal(open_source(spec, cfg.video, **opts), spec, kind,
                                                              stats.warnings))
        except KeyboardInterrupt as exc:
            # (a signal while a stream opened, which may wait video.open_timeout, or a camera:
            # from Python a bare KeyboardInterrupt, where one later is Interrupted)
            raise _with_frames(Interrupted(f"{stop_text(exc)}{_finalized(output, [], 0)}",
                                           exit_code=getattr(exc, "exit_code", 130)),
                               0, stats.warnings) from None
        # (closed after the outputs, before the source: from there on a third signal has no
        # finalizing left to abort, and the line says what became of them)
        stack.push(_outputs_closed)  # (and, where none failed, the command's run is over: outputs_in_place)
        if not early:
            # (a file, said first when it is not there): a virtual camera that is not there is
            # said before the output opens, which connects to its viewer or publishes to its
            # server (the virtual camera is opened after it); the preview's display is asked
            # when its window is made, before the output
            _check_devices(False, None, extra_sinks)
        from livecut.sources import SOURCE_HAS, info_lack

        if lacks := info_lack(source):  # (a registered source's, which open_source leaves to its __enter__)
            raise ConfigTypeError(f"run_video: the {kind!r} source, {type(source).__name__}, {lacks} once entered; "
                                  f"{SOURCE_HAS}")
        info = source.info
        # a frame far longer than it is wide, which the segmentation cannot measure: said of the
        # video, before an output is made (it was "image is 4001x17: too long ...", at its first
        # frame, naming no video)
        check = getattr(getattr(processor.seg, "method", None), "check_size", None)
        if check is not None and info.width and info.height:
            try:
                check(int(info.height), int(info.width))
            except ImageSizeError as exc:
                where = _source_name(source, spec, kind)
                raise ImageSizeError(f"{where}: {str(exc).replace('image is', 'video is', 1)}") from None
        for note in (getattr(source, "size_note", ""), getattr(source, "note", "")):
            if note:
                stats.warnings.append(note)
        # (a phone's clip, stored sideways: a side-by-side output is laid out as it is shown)
        processor.rotation = getattr(info, "rotation", 0) or 0
        # (anamorphic footage, 720x576 16:9: a picture background is put in as it is shown)
        processor.sample_aspect = getattr(info, "sample_aspect", None)
        # (the smoothing's times, given for 25 fps, kept in seconds at the video's rate)
        processor.fps = info.fps or None
        ow, oh = processor.output_size(info.width, info.height)
        file_src = kind == "file" and not getattr(source, "live", False)
        sink_info = SinkInfo(width=ow, height=oh, fps=info.fps or 30.0, channels=processor.channels,
                             time_base=info.time_base if file_src else None, rotation=info.rotation,
                             start=getattr(info, "start", 0.0) if file_src else 0.0,
                             matrix=getattr(info, "matrix", "bt601"), color_tags=dict(getattr(info, "color_tags", {})),
                             sample_aspect=getattr(info, "sample_aspect", None),
                             tick_fps=getattr(info, "tick_fps", None) if file_src else None,
                             end=getattr(info, "end", None) if file_src else None,
                             audio_from=Path(spec) if (file_src and info.has_audio) else None,
                             source_file=Path(spec) if file_src else None)
        sinks = []
        out_sink = None
        # (a virtual camera as the output, -o vcam, keeps no frames: a run that ends early says
        # of it what it says of --vcam's; "vcam finalized with 25 frames" read as a file's)
        kept = bool(output) and sink_kind(output) != "vcam"
        try:
            if preview:
                sinks.append(stack.enter_context(open_sink("preview", sink_info, cfg.video, kind="preview",
                                                           controls=processor, stats=stats, display_checked=early,
                                                           others=bool(output or extra_sinks),
                                                           **(preview_options or {}))))
            # a stream over HTTP without its size may be a file: paced while its frames are held (on
            # probation, and for good where it is a file), not once found live
            live_pace = (lambda: source.holding) if getattr(source, "probation", False) else False
            # a camera's or a live stream's frames come at their own pace: pacing them again in a
            # virtual camera only delays the picture (to the first frame's latency, warm-up included)
            # and drops frames (a stream that sends in bursts, HLS, is still paced: smoothed out);
            # a stream on probation, while its frames are held (it may be a file: see above)
            vcam_unpaced = kind == "camera" or (not file_src and getattr(source, "live", True) and (
                getattr(source, "live_buffer", 1) == 1 or getattr(source, "probation", False)))
            if output:
                # a network output plays a file in real time; a live source comes at its own pace
                # already (pacing it again waits on the bursts of its timestamps and drops frames),
                # and --no-pace sends a file as fast as it is processed
                live_src = not file_src and getattr(source, "live", True)  # (a file over HTTP is not)
                out_opts = {"pace": False if pace is False else live_pace} if (live_src or pace is False) else {}
                if not kept:  # (-o vcam: as --vcam, below; an HLS stream's bursts went out at once)
                    out_opts = {"pace": False} if pace is False else {"pace": live_pace} if vcam_unpaced else {}
                out_sink = open_sink(output, sink_info, cfg.video, force=force, inputs=inputs, **out_opts)
                if kept:
                    try:
                        out_sink = stack.enter_context(out_sink)
                    except KeyboardInterrupt as exc:
                        # (a signal while a tcp:// output waited for its viewer: said as srt:// says it,
                        # "interrupted (nothing reached tcp://...: no viewer connected)" -- it said only
                        # "interrupted"; one as a file opened, in the scan of its audio's headers: from
                        # Python a bare KeyboardInterrupt, "interrupted (nothing was written to ...)")
                        raise _with_frames(Interrupted(f"{stop_text(exc)}{_finalized(output, [out_sink], 0, out_sink)}",
                                                       exit_code=getattr(exc, "exit_code", 130)),
                                           0, stats.warnings) from None
                else:  # (-o vcam: as --vcam's, see below)
                    out_sink = out_sink.__enter__()
                    stack.push(first.closing(out_sink))
                sinks.append(out_sink)
            for k, o in extra_sinks:
                if k == "vcam" and vcam_unpaced:  # (see above)
                    o.setdefault("pace", live_pace)
                if k == "file":  # (one naming the input was written over it, force=True: the input lost)
                    from livecut.sinks.base import input_paths

                    o["inputs"] = input_paths(o.get("inputs"), "run_video") + inputs
                sink = open_sink(o.pop("spec", k), sink_info, cfg.video, kind=k, **o)
                if k == "vcam":  # (keeps nothing: its closing's failure held while the recording closes)
                    sinks.append(sink.__enter__())
                    stack.push(first.closing(sink))
                else:
                    sinks.append(stack.enter_context(sink))
        except KeyboardInterrupt as exc:
            # (a signal as the window, the output or the virtual camera opened -- a camera on
            # already, a stream answering: it was a bare 'interrupted', without the run's warnings,
            # a camera's other size, or what became of the output, which a signal a frame later says)
            raise _with_frames(Interrupted(f"{stop_text(exc)}{_finalized(output if kept else None, [], 0, out_sink)}",
                                           exit_code=getattr(exc, "exit_code", 130)),
                               0, stats.warnings) from None
        fmt = choose_pixel_format(cfg, source, processor, sinks) if file_src else "bgr24"
        # I420 frames keep the source's matrix: backgrounds are converted to it
        processor.comp.matrix = processor.seg.matrix = getattr(info, "matrix", "bt601")
        for part in (source, processor, *sinks):
            if fmt != "bgr24":
                part.use_pixel_format(fmt)
            if clock is not None and hasattr(part, "clock"):
                part.clock = clock
        stats.pixel_format = fmt
        total = info.frames if file_src else None
        if total and max_frames:
            total = min(total, max_frames)
        bar = stack.enter_context(Progress(total, label="livecut", unit="frames", enabled=progress))
        # a file is processed as fast as the CPUs allow: thread counts that do not oversubscribe;
        # a live source at its own rate: as few OpenCV threads as keep up with it
        from livecut.threads import LiveThreads, opencv_threads, segments_ahead, thread_plan

        plan = thread_plan()
        governor = None
        if not file_src and getattr(source, "live", True):
            cv_threads = plan.live_opencv_threads
            if cv_threads is not None:
                governor = LiveThreads(info.fps, cv_threads, cv2.getNumThreads())
        else:
            cv_threads = plan.opencv_threads
        ahead = processor.segment if (file_src and segments_ahead(cfg.video.segment_ahead, plan)) else None
        pipe = Pipeline(source, processor, sinks, queue_size=cfg.video.queue_size, max_frames=max_frames,
                        progress=bar, stats=stats, paused=lambda: processor.paused, clock=clock,
                        after_frame=governor, ahead=ahead)
        stats.segmented_ahead = pipe.ahead is not None
        stack.push(first.note)  # (last in: told first of an error that stops the run)
        if on_start is not None:
            on_start(pipe)
        try:
            with opencv_threads(cv_threads):
                try:
                    pipe.run()
                    # (a signal from here on: the outputs finalized all the same -- files; a
                    # network output's end, which may wait on a stalled peer, is cut at once)
                    if not any(hasattr(s, "interrupted") for s in sinks):
                        outputs_finishing()
                finally:
                    stats.opencv_threads = governor.threads if governor is not None else cv_threads
        except KeyboardInterrupt as exc:
            stats.interrupted = True
            _cut_short(sinks, interrupted=True, keep_earlier=file_src)
            # (a virtual camera that then fails to close, its device gone: said in the line, the
            # run still stopped by the signal -- it was 'closing failed', exit 1)
            first.raise_held = False
            _close_placed(stack, out_sink if kept else None)  # finalize the outputs now: the frames so far play
            failed = [str(e) for e in first.held]
            what = (_finalized(output, sinks, stats.written, out_sink, dropped=stats.dropped, failed=failed) if kept
                    else _finalized(None, sinks, stats.written, dropped=stats.dropped, failed=failed))
            # (what the run noted is said before the line, as after a run that ends or loses its
            # source: Ctrl-C is how a camera's or a stream's run ends, and it said nothing of it)
            _note_warnings(stats, spec, source, sinks, processor)
            raise _with_frames(Interrupted(f"{stop_text(exc)}{what}",
                                           exit_code=getattr(exc, "exit_code", 130)),
                               stats.written, stats.warnings) from None
        short = pipe.reached_end and pipe.shortfall()
        if (pipe.reached_end and getattr(source, "lost", "")) or (short and stats.processed):
            # (a virtual camera that then fails to close, its device gone with the camera: said in
            # the line of the loss or the shortfall, exit 3 -- it was 'closing failed', exit 1)
            first.raise_held = False
        if not pipe.reached_end or short or pipe.hurried:
            _cut_short(sinks)  # (truncated: only the audio the video covers, complete packets)
        elif getattr(source, "last_end", None) is not None:
            _tell(sinks, last_end=source.last_end)  # (the last frame lasts as long as the source's: a GIF's pause)
        _note_warnings(stats, spec, source, sinks, processor)
        held = getattr(source, "frames_held", None)
        if pipe.reached_end and not short and not pipe.hurried and not stats.partial and held is not None:
            bar.settle(held)  # (its frames all read, none said lost: what it held, not what it was taken to)
        stats.judged = processor.judged
        # (which network judged: focusnet's counts, of the frames composited -- those segmented
        # ahead and never composited, past --frames, were counted too)
        stats.judged_noisy, stats.judged_soft, _ = processor.counts()
        try:
            # (the outputs finish: an srt:// output's ffmpeg may wait for its peer)
            late = _close_placed(stack, out_sink if kept else None)
        except KeyboardInterrupt as exc:
            if not any(isinstance(getattr(out_sink, why, None), str) and getattr(out_sink, why)
                       for why in ("unreached", "unfinished")):
                raise
            # (stopped while waiting for a peer that never came, or for a stalled server to take
            # the stream's end: said as a signal while the frames were written says it,
            # "interrupted (nothing reached srt://...: ...)", "interrupted (rtmp://... could not
            # be finished: ...)" -- the latter said only "interrupted")
            stats.interrupted = True
            raise _with_frames(Interrupted(f"{stop_text(exc)}{_finalized(output, sinks, stats.written, out_sink)}",
                                           exit_code=getattr(exc, "exit_code", 130)),
                               stats.written, stats.warnings) from None
    for s in sinks:  # (what a sink noted as it closed: the temporary name an append-only folder kept)
        stats.warnings.extend(w for w in getattr(s, "warnings", []) if w not in stats.warnings)
    signum = signal_while_finishing()
    if signum is None and late is not None:  # (one that aborted the finalizing too late: see _close_placed)
        signum = late.signum
    if signum is not None:  # (the outputs finalized whole: said as such)
        failed = [str(e) for e in first.held]
        what = (_finalized(output, sinks, stats.written, out_sink, dropped=stats.dropped, failed=failed) if kept
                else _finalized(None, sinks, stats.written, dropped=stats.dropped, failed=failed))
        raise _with_frames(Interrupted(f"{stop_text(Terminated(signum))}{what}", exit_code=128 + signum),
                           stats.written, stats.warnings)
    from livecut.urls import redact_url

    output = redact_url(output, publishing=True) if output else output  # (an output URL's secrets: not in a message)
    lost = pipe.reached_end and getattr(source, "lost", "")
    unclosed = "".join(f"; {e}" for e in first.held)  # (held: see above)
    if lost:
        where = (_holds(output, f"the {_frames(stats.written)} written") if stats.written
                 else "; nothing was written") if kept else ""
        where += f"; {_dropped(stats.dropped)}" if stats.dropped else ""
        where += unclosed
        what = f"camera {spec}: lost" if kind == "camera" else f"{redact_url(spec)}: stream lost"
        raise _with_frames(IncompleteError(f"{what} ({lost}){where}"), stats.written, stats.warnings)
    if short and stats.processed:
        _, expected = short
        why = (f"a read error: {source.read_error}" if getattr(source, "read_error", "")
               else source.damaged if getattr(source, "damaged", "")
               else f"truncated: {source.cut_short}" if getattr(source, "cut_short", "")
               else f"damaged or cut short: {source.unread}" if getattr(source, "unread", "") else "truncated?")
        where = (_holds(output, f"the {_frames(stats.written)} written") if kept else "") + unclosed
        if getattr(source, "video_whole", False):  # (the cut is in the audio that runs on after the video)
            where = (_holds(output, "them and the audio beside them") if kept else "") + unclosed
            raise _with_frames(IncompleteError(
                f"{redact_url(spec)}: the file ends early ({why}): its video is whole ({_frames(stats.written)} "
                f"written), what runs on after it (audio) is cut short{where}"), stats.written, stats.warnings)
        about = "about " if getattr(source, "frames_estimated", False) else ""  # (from its duration)
        # (a GIF cut short counts the frames it still holds: how many it had is not known)
        expected = f"{about}{expected}" if expected > stats.written else "more"
        raise _with_frames(IncompleteError(f"{redact_url(spec)}: the video ends early ({why}): {_frames(stats.written)} "
                                           f"written, {expected} expected{where}"), stats.written,
                           stats.warnings)
    if stats.processed == 0 and (kind == "file" or getattr(source, "finite", False)):
        raise VideoOpenFailure(f"{redact_url(spec)}: the video has no frames")
    return stats
