"""A small progress bar on stderr (no dependency; silent when stderr is not a terminal
unless forced)."""

from __future__ import annotations

import sys
import time


def _fmt_time(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h:d}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Progress:
    """``with Progress(total, label) as bar: bar.update(1)``; shows count, rate and ETA."""

    def __init__(self, total: int | None, label: str = "", enabled: bool = True, unit: str = "it",
                 stream=None, min_interval: float = 0.2):
        self.total = total
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        self.enabled = enabled and (getattr(self.stream, "isatty", lambda: False)() or stream is not None)
        self.count = 0
        self.extra = ""
        self._start = time.perf_counter()
        self._last = 0.0
        self._min_interval = min_interval

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def update(self, n: int = 1, extra: str | None = None) -> None:
        self.count += n
        if extra is not None:
            self.extra = extra
        now = time.perf_counter()
        if self.enabled and (now - self._last >= self._min_interval or self.count == self.total):
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = now - self._start
        rate = self.count / elapsed if elapsed > 0 else 0.0
        if self.total:
            frac = min(1.0, self.count / self.total)
            width = 24
            filled = int(frac * width)
            eta = (self.total - self.count) / rate if rate > 0 else 0.0
            text = (f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {self.count}/{self.total} "
                    f"{rate:.1f} {self.unit}/s ETA {_fmt_time(eta)}")
        else:
            text = f"\r{self.label} {self.count} {rate:.1f} {self.unit}/s {_fmt_time(elapsed)}"
        if self.extra:
            text += f" {self.extra}"
        self.stream.write(text + "\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.count:
            self._draw(time.perf_counter())
            self.stream.write("\n")
            self.stream.flush()
            self.enabled = False
