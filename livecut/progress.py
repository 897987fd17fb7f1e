"""Progress bar on stderr (rich): count, rate, elapsed and ETA, plus a labelled extra
(e.g. ``latency 40 ms``).  Silent when stderr is not a terminal (or a dumb one, TERM=dumb),
unless a stream is given.

Rich redraws from its own thread a few times a second; :meth:`Progress.update` only
records the numbers (a lock and a few assignments), so the processing loop does not wait
for the terminal.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import threading
import time


#: terminal columns under which the progress line leaves out the bar and the extra text ...
WIDE = 100
#: ... and under which also the rate
NARROW = 60
#: a finished bar's colour: rich's own, rgb(114,156,31), is drawn on a terminal of 16 colours
#: (TERM=xterm, as `docker exec -t` gives) as bright black, the colour of the bar's empty part:
#: a run that reached its end left a bar that looked empty above its summary
FINISHED = "green"
#: seconds without a live frame after which the line says it is waiting for one (as the preview
#: window does, see livecut.sinks.preview.WAITING_NOTE)
WAITING_NOTE = 1.0


def dumb_terminal() -> bool:
    """TERM=dumb (Emacs's shell) or unknown: rich draws no bar there until it is over, then the
    stale bar and an empty line before the summary; a bar is left out there, as off a terminal."""
    return os.environ.get("TERM", "").lower() in ("dumb", "unknown")


def rich_environ() -> dict[str, str] | None:
    """The environment a rich Console is to read its width from: COLUMNS=0 says no width, which
    rich took for 0 columns (no progress line was drawn at all), left out there, the width
    found as where COLUMNS is unset (the terminal's); None (os.environ) otherwise."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) == 0:
        return {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    return None


def terminal_columns(stream) -> int:
    """The columns of the terminal ``stream`` is; 0 where it is none."""
    try:
        return max(os.get_terminal_size(stream.fileno()).columns, 0)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return 0


def laid_out(layout, console, **kwargs):
    """A rich Progress on ``console`` whose columns are ``layout(width)`` for the width of the
    terminal as it is drawn: one made narrower during the run (SIGWINCH) kept the line laid out
    for its first width, which rich cut to 'live... 112.9 fram... ... latency 5...', the count and
    the ETA gone."""
    from rich.progress import Progress as RichProgress

    # (a width COLUMNS says, which rich keeps: never wider than the terminal, a COLUMNS=250
    # exported, or left from a wider window, in an 80-column tmux pane drew the line 250 wide,
    # wrapped, and each redraw left the rows above it behind, a screen of bars)
    said = os.environ.get("COLUMNS", "")
    said_width = int(said) if said.isdigit() else 0

    class Laid(RichProgress):
        width = 0

        def get_renderables(self):
            if hasattr(self, "live"):  # (not while rich makes it)
                real = terminal_columns(self.console.file) if said_width else 0
                if real and self.console.width != min(said_width, real):
                    self.console.width = min(said_width, real)
                if self.console.width != self.width:
                    self.width = self.console.width
                    self.columns = layout(self.width)
            yield from super().get_renderables()

        def start(self) -> None:
            super().start()
            self.terminal_fd = _terminal_fd(self.console)
            _DRAWN.append(self)
            _stop_shows_cursor(True)

        def stop(self) -> None:
            if self in _DRAWN:
                _DRAWN.remove(self)
                if not _DRAWN and not _UNDRAWN:
                    _stop_shows_cursor(False)
            with _TERMINAL_FDS:  # (not while the watcher writes to it: the number of the next file opened)
                tty, self.terminal_fd = getattr(self, "terminal_fd", None), None
                if tty is not None:
                    os.close(tty)
            super().stop()

    kwargs.setdefault("get_time", clock)  # (its elapsed time and ETA leave a Ctrl-Z's stop out)
    return Laid(*layout(console.width), console=console, **kwargs)


#: the progress lines being drawn now (see laid_out)
_DRAWN: list = []

#: the :class:`Progress` counts kept now without a line (-q, stderr a file), in the main thread: the
#: time stopped by Ctrl-Z is left out of their run's rate and times too (see clock)
_UNDRAWN: list = []

#: the SIGTSTP handler :func:`_stop_shows_cursor` replaced while it takes SIGTSTP, or None
_TSTP_BEFORE: list = []

#: (seconds this process was stopped in all (Ctrl-Z ... fg while SIGTSTP was taken, see
#: :func:`_stop`), ``time.perf_counter()`` when the stop under way began or None): one tuple,
#: replaced whole
_STOPPED: list = [(0.0, None)]


def clock() -> float:
    """``time.perf_counter()`` less the time the process was stopped by Ctrl-Z (until ``fg``/``bg``):
    a run's rate, ETA, elapsed time and summary are its work's -- a run stopped for a minute said at
    its end a rate of frames the minute counted in, as the pauses of a live preview are not.  It
    stands still from a stop until the stop is counted (the threads resumed before then read it
    with the minute in, then without: a frame stamped then counted the stop, and the elapsed time
    drawn went 0:01:05, then 0:00:05)."""
    stopped, since = _STOPPED[0]
    return (time.perf_counter() if since is None else since) - stopped


def _stopped(signum, frame) -> None:
    """Ctrl-Z (SIGTSTP) while it is taken (see _stop_shows_cursor): the process stops as by
    :func:`_stop` -- here, where the watcher (:func:`_watch`) does not stop it (it did at once, the
    run held in a long call of OpenCV's, a PNG encoded; this handler runs only once such a call
    returns)."""
    import signal

    if _watched():
        return

    @contextlib.contextmanager
    def default():  # (SIGTSTP's own action, the stop, for the signal raised again)
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        try:
            yield True
        finally:
            signal.signal(signal.SIGTSTP, _stopped)

    _stop(default)


#: held while a progress line's own descriptor of its terminal is written to or closed
_TERMINAL_FDS = threading.RLock()


def _terminal_fd(console) -> int | None:
    """A descriptor of the terminal ``console`` draws on, its own (see :func:`_show_cursor`); None
    where it draws on none (a stream forced to show the line, a closed one)."""
    try:
        fd = console.file.fileno()
        return os.dup(fd) if console.is_terminal and os.isatty(fd) else None
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return None


def _show_cursor(bar, show: bool) -> None:
    """Show (hide) the cursor on the terminal ``bar`` is drawn on: through its own descriptor of
    it -- file descriptor 2 may be a file meanwhile, where a photo's decoder's words are collected
    (imageio's _stderr_captured: seconds for a big PNG), and a Ctrl-Z then left the shell without a
    cursor, its sequence written to that file -- else through its console."""
    try:
        with _TERMINAL_FDS:
            fd = getattr(bar, "terminal_fd", None)
            if fd is not None:
                os.write(fd, b"\x1b[?25h" if show else b"\x1b[?25l")
        if fd is None:
            bar.console.show_cursor(show)
            bar.console.file.flush()
    except (OSError, ValueError, RuntimeError):  # (a closed or full stderr; one whose write the signal cut in: "reentrant call")
        pass


def _stop(default) -> None:
    """Stop the process for a Ctrl-Z: the cursor rich hid for a progress line drawn is shown, then
    the process stops as by default (SIGTSTP raised again, its action the stop in the context
    ``default()`` makes, which says whether it could); at ``fg`` the cursor is hidden again and the
    line drawn anew (the shell was left without a cursor until the run ended); at ``bg`` it is
    left to the shell."""
    import signal

    for bar in list(_DRAWN):
        _show_cursor(bar, True)
    at = time.perf_counter()
    _STOPPED[0] = (_STOPPED[0][0], at)  # (see clock)
    try:
        with default() as set_:
            if set_:
                # (to this thread: a signal to the process may be taken by another thread once the
                # action is set back, its handler's then; this one's stops the process here until SIGCONT)
                signal.pthread_kill(threading.get_ident(), signal.SIGTSTP)
            else:  # (SIGTSTP's action not set: raised again, it came back here, for ever)
                os.kill(os.getpid(), signal.SIGSTOP)
    finally:
        _STOPPED[0] = (_STOPPED[0][0] + time.perf_counter() - at, None)
    for bar in list(_DRAWN):
        if not _in_front(bar.console.file if getattr(bar, "terminal_fd", None) is None else bar.terminal_fd):
            # (`bg`: the shell's cursor is left shown)
            continue
        _show_cursor(bar, False)
        try:
            bar.refresh()
        except (OSError, ValueError, RuntimeError):
            pass


#: while SIGTSTP is taken (see _stop_shows_cursor), the pipe whose write end is the process's wakeup fd
#: (:func:`signal.set_wakeup_fd`: Python's C signal handler writes each signal's number there,
#: the GIL not needed) and whose read end :func:`_watch` reads: [read, write]
_WAKE: list = []

#: held while SIGTSTP's action is changed (see _watch and _stop_shows_cursor)
_ACTION = threading.Lock()


def _watch(r: int, libc) -> None:
    """The thread that stops the process at a Ctrl-Z while SIGTSTP is taken, at once: the
    SIGTSTP handler, :func:`_stopped`, runs in the main thread only, where a long call of OpenCV's
    (a 140-megapixel photo) or a PNG's encoding held it 0.2-5.4 s after the key.  SIGTSTP is raised
    again with its default action set through the C library's ``sigaction`` (Python sets a
    signal's handler from the main thread only): the shell says 'Stopped', as for a plain Ctrl-Z
    (SIGSTOP: 'Stopped (signal)', and it stops a process no shell can resume)."""
    import signal

    import ctypes

    @contextlib.contextmanager
    def default():
        dfl, was = ctypes.create_string_buffer(512), ctypes.create_string_buffer(512)  # (a struct sigaction: SIG_DFL)
        with _ACTION:
            if libc.sigaction(signal.SIGTSTP, dfl, was) != 0:
                yield False
                return
            try:
                yield True
            finally:
                libc.sigaction(signal.SIGTSTP, was, None)

    while True:
        try:
            data = os.read(r, 512)
        except InterruptedError:
            continue
        except OSError:
            break
        if not data:  # (its write end closed: SIGTSTP given back, see _watching)
            break
        if bytes([signal.SIGTSTP]) in data:
            _stop(default)
    with contextlib.suppress(OSError):
        os.close(r)


def _watched() -> bool:
    """The watcher (:func:`_watch`) takes SIGTSTP now: the wakeup fd is its pipe's (asked from the
    main thread, the only one it is set from; one set meanwhile, e.g. by RtmpRelay.wake_on_signals,
    left as it is)."""
    import signal

    if not _WAKE or threading.current_thread() is not threading.main_thread():
        return False
    try:
        was = signal.set_wakeup_fd(_WAKE[1], warn_on_full_buffer=False)
        if was != _WAKE[1]:
            signal.set_wakeup_fd(was, warn_on_full_buffer=False)
    except (ValueError, OSError):
        return False
    return was == _WAKE[1]


def _forked() -> None:
    """In a child forked while SIGTSTP was taken: no watcher there, and a signal's number written to
    the parent's pipe would stop the parent (the pipe's ends closed: the parent's watcher ends
    when the parent closes its own)."""
    import signal

    if _WAKE:
        with contextlib.suppress(ValueError, OSError):
            signal.set_wakeup_fd(-1)
        for fd in _WAKE:
            with contextlib.suppress(OSError):
                os.close(fd)
        _WAKE.clear()


def _watching(on: bool) -> None:
    """Make the watcher's pipe and thread, its pipe the wakeup fd (``on``), where the C library's
    sigaction can be called and no other wakeup fd is set (asyncio's); or unset it and close the
    pipe's write end, which ends the watcher (a thread of a run, not left behind it)."""
    import signal

    if not on:
        if _WAKE:
            w = _WAKE[1]
            if _watched():
                signal.set_wakeup_fd(-1)
                os.close(w)
            else:
                # (another's set meanwhile -- RtmpRelay.wake_on_signals, asyncio's -- or unset: the
                # watcher stayed, reading a pipe no one closed, and each later line found the wakeup
                # fd set and took none.  The pipe's end is closed all the same (the watcher ends) and
                # its number left open on the null device, where another that gives it back later
                # writes a signal's number to nothing, not to a file opened meanwhile; see _stale)
                _closed_on_null(w)
        _WAKE.clear()
        return
    if _WAKE:
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.sigaction  # noqa: B018 -- looked for
        r, w = os.pipe()
        os.set_blocking(w, False)
        was = signal.set_wakeup_fd(w, warn_on_full_buffer=False)
    except (ImportError, OSError, AttributeError, ValueError):
        return
    if was != -1 and _stale(was):  # (ours of a run before, given back by another since)
        was = -1
    if was != -1:  # (another's: left to it, the handler stops the process)
        signal.set_wakeup_fd(was)
        os.close(r)
        os.close(w)
        return
    _WAKE[:] = [r, w]
    if not _FORK_HOOK:
        _FORK_HOOK.append(os.register_at_fork(after_in_child=_forked))
    threading.Thread(target=_watch, args=(r, libc), name="livecut-ctrl-z", daemon=True).start()


#: the at-fork callback registered (see _forked)
_FORK_HOOK: list = []

#: the numbers of watchers' pipes' write ends left open on the null device (see _watching)
_ON_NULL: list = []


def _closed_on_null(fd: int) -> None:
    """Close the pipe's end ``fd`` is, its number kept, open on the null device (see _watching)."""
    try:
        null = os.open(os.devnull, os.O_WRONLY | getattr(os, "O_NONBLOCK", 0))  # (as a wakeup fd must be)
    except OSError:
        null = None
    if null is None:
        with contextlib.suppress(OSError):
            os.close(fd)
        return
    try:
        os.dup2(null, fd)
        _ON_NULL.append(fd)
    except OSError:
        with contextlib.suppress(OSError):
            os.close(fd)
    finally:
        os.close(null)


def _stale(fd: int) -> bool:
    """``fd``, the wakeup fd replaced just now, is a watcher's pipe's end left on the null device:
    it is closed (given back, it is no one's now)."""
    if fd not in _ON_NULL:
        return False
    _ON_NULL.remove(fd)
    with contextlib.suppress(OSError):
        os.close(fd)
    return True


def _in_front(stream) -> bool:
    """This process is of the terminal ``stream``'s (a stream or a descriptor) foreground process
    group (resumed by ``fg``, not ``bg``); True where that cannot be told."""
    try:
        return os.tcgetpgrp(stream if isinstance(stream, int) else stream.fileno()) == os.getpgrp()
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return True


def _stop_shows_cursor(on: bool) -> None:
    """Take SIGTSTP with :func:`_stopped` (``on``: while a progress line is drawn, or a run's
    progress counted without one), where nothing else takes it and this is the main thread (the
    only one a handler is set from), or give it back to the handler it had."""
    import signal

    if not hasattr(signal, "SIGTSTP") or threading.current_thread() is not threading.main_thread():
        return
    try:
        with _ACTION:  # (not while the watcher has set SIGTSTP's default action, to set it back)
            if on and not _TSTP_BEFORE and signal.getsignal(signal.SIGTSTP) == signal.SIG_DFL:
                _TSTP_BEFORE.append(signal.signal(signal.SIGTSTP, _stopped))
                _watching(True)
            elif not on and _TSTP_BEFORE:
                _watching(False)
                signal.signal(signal.SIGTSTP, _TSTP_BEFORE.pop())
    except (ValueError, OSError):
        pass


def count_stops(owner, on: bool) -> None:
    """A run's progress counted without a line drawn (-q, stderr a file), ``owner``, starts (``on``)
    or ends: meanwhile, as while a line is drawn, a Ctrl-Z stops the process through
    :func:`_stopped` and the time stopped is left out of :func:`clock` (main thread only)."""
    if on:
        if threading.current_thread() is threading.main_thread():
            _UNDRAWN.append(owner)
            _stop_shows_cursor(True)
    elif owner in _UNDRAWN:
        _UNDRAWN.remove(owner)
        if not _DRAWN and not _UNDRAWN:
            _stop_shows_cursor(False)


def print_above(text: str, stream) -> bool:
    """Write the line ``text`` above the progress line drawn on ``stream`` now, if one is (False:
    none is); a log line written to it as it is (a stream lost and reconnected, a preview window
    that failed) was glued to the end of the drawn line, '... latency 40 mslivecut: stream ...
    lost', and the line drawn again below it."""
    bar = next((b for b in reversed(_DRAWN) if b.console.file is stream), None)
    if bar is None:
        return False
    try:
        bar.console.print(text, markup=False, highlight=False, emoji=False, soft_wrap=True)
    except (OSError, ValueError):  # (a closed or full stderr: dropped, as every message then)
        pass
    return True


def rate_text(count: int, seconds: float, per_second: str, each: str) -> str:
    """``count`` in ``seconds``, a second ('2.5 photo/s', ``per_second`` its unit); under 0.1, the
    seconds each ('30 s/photo', ``each`` the unit counted: 151-megapixel photos were '0.0
    photo/s', as if none were done)."""
    rate = count / seconds if seconds > 0 else 0.0
    if 0 < rate < 0.1:
        return f"{seconds / count:.0f} s/{each}"
    return f"{rate:.1f} {per_second}"


def _extra_if_room(width: int, others: list):
    """A rich column of the extra text where it fits whole on a line ``width`` wide beside the
    columns ``others`` as they are drawn (a space between each), else of nothing (rich cut the
    count and the ETA to make room for it)."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class ExtraIfRoom(ProgressColumn):
        def render(self, task) -> Text:
            extra = str(task.fields.get("extra", ""))
            if not extra:
                return Text("")
            used = sum(Text.assemble(c.render(task)).cell_len + 1 for c in others)
            return Text(extra if used + len(extra) < width else "")

    return ExtraIfRoom()


class Progress:
    """``with Progress(total, label) as bar: bar.update(1)``; shows count, rate and ETA."""

    def __init__(self, total: int | None, label: str = "", enabled: bool = True, unit: str = "it",
                 stream=None, refresh_per_second: float = 4.0, narrow_extra: bool = False):
        """``narrow_extra``: the extra text is shown under :data:`WIDE` columns too, where it fits
        beside the count, the rate and the ETA (what moves while one item takes long: the windows
        of a panorama photo, which on 80 columns left 'images 0/1 0.0 photo/s ETA -:--:--' standing
        for minutes)."""
        self.total = total
        self.narrow_extra = narrow_extra
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        tty = getattr(self.stream, "isatty", lambda: False)() and not dumb_terminal()
        self.enabled = enabled and (tty or stream is not None)
        self.count = 0
        self.skipped = 0  # (of count: see skip)
        self.extra = ""
        self._start = clock()
        self._bar = None
        self._task = None
        if self.enabled:
            self._open(refresh_per_second, forced=stream is not None)
        else:  # (`livecut file long.mp4 2>log` stopped a minute said '300 frames in 63.2 s (4.7 fps)')
            count_stops(self, True)

    def _open(self, refresh_per_second: float, forced: bool) -> None:
        from rich.console import Console

        console = Console(file=self.stream, force_terminal=True if forced else None, highlight=False,
                          _environ=rich_environ())
        self._bar = laid_out(self._columns, console=console, transient=False,
                             refresh_per_second=refresh_per_second, redirect_stdout=False, redirect_stderr=False)
        self._task = self._bar.add_task(self.label, total=self.total, rate="", extra="")
        self._bar.start()

    def _columns(self, width: int) -> list:
        """The progress line's columns on a terminal ``width`` columns wide."""
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        known = self.total is not None
        count = MofNCompleteColumn() if known else TextColumn("{task.completed}")
        eta = [TextColumn("ETA"), TimeRemainingColumn()] if known else []
        if width >= WIDE:
            return [TextColumn("[bold]{task.description}"), BarColumn(bar_width=None if known else 24, finished_style=FINISHED),
                    count, TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), *eta,
                    TextColumn("{task.fields[extra]}")]
        # a narrow terminal: the count, the rate and the ETA, whole (rich cut them first)
        columns = [TextColumn("[bold]{task.description}"), count, *eta]
        # (on fewer columns than the label, the count and the ETA take, rich cut the count
        # to '15...': the label goes, then the ETA; the count stays whole)
        counted = 2 * len(str(self.total)) + 1 if known else 7
        if width < len(self.label) + 1 + counted + (12 if known else 0):
            columns = [count, *eta] if width >= counted + 12 else [count]
        if width >= NARROW:
            columns.insert(2, TextColumn("{task.fields[rate]}"))
            if not known:  # a live source: its latency and drops are what there is to see
                columns.append(TextColumn("{task.fields[extra]}"))
                return columns
        if known and self.narrow_extra:
            columns.append(_extra_if_room(width, list(columns)))
        return columns

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def update(self, n: int = 1, extra: str | None = None) -> None:
        self.count += n
        if extra is not None:
            self.extra = extra
        if self._bar is not None:
            self._bar.update(self._task, completed=self.count, rate=self._rate(),
                             extra=self.extra)

    def _rate(self) -> str:
        """The count a second so far ('2.5 photo/s'), those skipped left out (see skip); see
        :func:`rate_text`."""
        return rate_text(self.count - self.skipped, clock() - self._start, f"{self.unit}/s",
                         self.unit.removesuffix("s"))

    def skip(self, n: int = 1) -> None:
        """Count ``n`` done that took no work (a photo whose output is there, ``--skip-existing``):
        in the count, not in the rate nor in the ETA -- a run resumed over 373 photos left in half a
        second said '256.7 photo/s', 'ETA 0:00:06' for 1600 photos that took 1:47."""
        self.count += n
        self.skipped += n
        if self._bar is not None:
            self._bar.update(self._task, completed=self.count)
            # (rich's ETA is the rate of its samples of the last 30 s: this one's taken out; rich's
            # own attributes, looked for: a rich without them counts it in, as before)
            task = getattr(self._bar, "_tasks", {}).get(self._task)
            samples = getattr(task, "_progress", None)
            with getattr(self._bar, "_lock", None) or contextlib.nullcontext():
                if samples and n > 0:
                    samples.pop()

    def settle(self, total: int) -> None:
        """The run reached its input's end with every frame read: the total is what the input
        held, ``total``, where it was taken to hold more or fewer -- an estimate (a variable frame
        rate in Matroska: its duration times its stated rate), which the line ended short of,
        '90/149', as if 59 frames were lost, or past, '40/26'."""
        if self.total is None or self.total == total:
            return
        self.total = total
        if self._bar is not None:
            self._bar.update(self._task, total=total)

    def waiting(self, seconds: float) -> None:
        """A live source has delivered no frame for ``seconds``: once a frame came and from
        :data:`WAITING_NOTE` s on, the line says so in place of its extra text (it stayed frozen on
        its last rate and latency, as if frames still came); the rate falls as the wait goes on.
        The next :meth:`update` puts the extra text back."""
        if self._bar is None or not self.count or seconds < WAITING_NOTE:
            return
        self._bar.update(self._task, rate=self._rate(),
                         extra=f"waiting for frames: none for {int(seconds)} s")

    def close(self) -> None:
        count_stops(self, False)
        bar, self._bar = self._bar, None
        if bar is not None:
            if self.count:
                bar.refresh()
            else:  # nothing happened: leave no empty bar behind
                bar.update(self._task, visible=False)
            bar.stop()
        self.enabled = False
