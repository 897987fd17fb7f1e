"""Preview window (OpenCV HighGUI) with an fps/latency overlay and keyboard controls.

Keys: ``q``/Esc quit, space pause, ``m`` cycle mode, ``b`` cycle background,
``+``/``-`` threshold, ``[``/``]`` less/more smoothing, ``s`` snapshot PNG.

The window functions are injectable (``imshow``, ``waitkey``, ``destroy``) so the
sink is testable without a display; on a machine without one, opening the
preview raises :class:`DeviceUnavailable` with one clear line instead of letting
the GUI toolkit abort the process.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from livecut.config import VideoConfig
from livecut.errors import DeviceUnavailable
from livecut.sinks import register_sink
from livecut.sinks.base import SinkInfo

WINDOW = "livecut"


def display_available() -> bool:
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


class PreviewSink:
    """Shows frames in a window; drives the keyboard controls of a :class:`~livecut.runner.Processor`."""

    main_thread = True

    def __init__(self, info: SinkInfo, *, controls=None, stats=None, imshow=None, waitkey=None,
                 destroy=None, snapshot_dir: str | Path = ".", overlay: bool = True):
        self.info = info
        self.controls = controls
        self.stats = stats
        self.overlay = overlay
        self.snapshot_dir = Path(snapshot_dir)
        self.snapshots: list[Path] = []
        self.message = ""
        self._message_until = 0.0
        self._last: np.ndarray | None = None
        self._buf: np.ndarray | None = None
        self._t_prev: float | None = None
        self._fps = 0.0
        injected = imshow is not None
        if not injected and not display_available():
            raise DeviceUnavailable("--preview needs a display, and none is available "
                                    "(DISPLAY is not set); write a file with -o instead")
        if not injected:
            _quiet_qt_fonts()
        self._imshow = imshow or cv2.imshow
        self._waitkey = waitkey or cv2.waitKey
        self._destroy = destroy or (lambda: cv2.destroyWindow(WINDOW))
        self._open = False

    def __enter__(self) -> "PreviewSink":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- drawing
    def _display(self, image: np.ndarray) -> np.ndarray:
        """BGR copy of ``image`` for the screen (gray -> BGR, BGRA over a checkerboard)."""
        h, w = image.shape[:2]
        if self._buf is None or self._buf.shape[:2] != (h, w):
            self._buf = np.empty((h, w, 3), np.uint8)
            yy, xx = np.mgrid[0:h, 0:w]
            self._checker = np.where(((yy // 16 + xx // 16) % 2)[:, :, None] == 0, 200, 140).astype(np.uint8)
            self._checker = np.ascontiguousarray(np.repeat(self._checker, 3, axis=2))
            self._bgr = np.empty((h, w, 3), np.uint8)
            self._w_fg = np.empty((h, w), np.float32)
            self._w_bg = np.empty((h, w), np.float32)
        out = self._buf
        if image.ndim == 2:
            cv2.cvtColor(image, cv2.COLOR_GRAY2BGR, dst=out)
        elif image.shape[2] == 4:  # over the checkerboard, in the buffers above
            cv2.multiply(image[:, :, 3], 1 / 255, dst=self._w_fg, dtype=cv2.CV_32F)
            cv2.subtract(1.0, self._w_fg, dst=self._w_bg)
            cv2.cvtColor(image, cv2.COLOR_BGRA2BGR, dst=self._bgr)
            cv2.blendLinear(self._bgr, self._checker, self._w_fg, self._w_bg, dst=out)
        else:
            np.copyto(out, image)
        return out

    def _draw_overlay(self, img: np.ndarray) -> None:
        st = self.stats
        parts = [f"{self._fps:4.1f} fps"]
        if st is not None:
            parts.append(f"latency {st.latency_ms:3.0f} ms")
            parts.append(f"proc {st.process_ms_mean:4.1f} ms")
            if st.dropped:
                parts.append(f"{st.dropped} dropped")
        c = self.controls
        if c is not None:
            v = c.view or c.comp
            parts.append(f"{v.mode}")
            parts.append(f"thr {c.seg.cfg.threshold:.2f}")
            if c.smoother is not None:
                parts.append(f"smooth {c.smoother.rate:.2f}")
            if c.paused:
                parts.append("PAUSED")
        text = "  ".join(parts)
        for color, thick in (((0, 0, 0), 3), ((255, 255, 255), 1)):
            cv2.putText(img, text, (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, color, thick, cv2.LINE_AA)
        if self.message and time.perf_counter() < self._message_until:
            for color, thick in (((0, 0, 0), 3), ((0, 255, 255), 1)):
                cv2.putText(img, self.message, (8, 42), cv2.FONT_HERSHEY_SIMPLEX, 0.5, color, thick,
                            cv2.LINE_AA)

    def _show(self, img: np.ndarray) -> None:
        try:
            self._imshow(WINDOW, img)
        except cv2.error as exc:
            raise DeviceUnavailable(f"--preview: cannot open a window ({str(exc).strip().splitlines()[-1]})") from None
        self._open = True

    def write(self, image: np.ndarray, pts: float | None = None) -> None:
        now = time.perf_counter()
        if self._t_prev is not None:
            dt = now - self._t_prev
            if dt > 0:
                self._fps = 0.9 * self._fps + 0.1 / dt if self._fps else 1.0 / dt
        self._t_prev = now
        img = self._display(image)
        self._last = image
        if self.overlay:
            self._draw_overlay(img)
        self._show(img)

    # ---- keys
    def _say(self, text: str) -> None:
        self.message = text
        self._message_until = time.perf_counter() + 1.5

    def handle_key(self, key: int) -> bool:
        """Apply one key; False means quit."""
        if key < 0:
            return True
        ch = chr(key & 0xFF)
        c = self.controls
        if ch in ("q", "\x1b"):
            return False
        if ch == "s":
            self.snapshot()
        elif c is None:
            return True
        elif ch == " ":
            c.paused = not c.paused
        elif ch == "m":
            self._say(f"mode: {c.cycle_mode()}")
        elif ch == "b":
            self._say(f"background: {c.cycle_background()}")
        elif ch in ("+", "="):
            self._say(f"threshold {c.change_threshold(+0.05):.2f}")
        elif ch in ("-", "_"):
            self._say(f"threshold {c.change_threshold(-0.05):.2f}")
        elif ch == "]":
            self._say(f"smoothing rate {c.change_smoothing(1.5):.2f}")
        elif ch == "[":
            self._say(f"smoothing rate {c.change_smoothing(1 / 1.5):.2f}")
        return True

    def poll(self) -> bool:
        return self.handle_key(self._waitkey(1))

    def idle(self) -> bool:
        """While paused: keep the window alive and answer keys."""
        if self._last is not None:
            img = self._display(self._last)
            if self.overlay:
                self._draw_overlay(img)
            self._show(img)
        return self.handle_key(self._waitkey(30))

    def snapshot(self) -> Path | None:
        if self._last is None:
            return None
        self.snapshot_dir.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        p = self.snapshot_dir / f"livecut-{stamp}-{len(self.snapshots):03d}.png"
        cv2.imwrite(str(p), self._last)
        self.snapshots.append(p)
        self._say(f"saved {p}")
        return p

    def close(self) -> None:
        if self._open:
            self._open = False
            try:
                self._destroy()
                self._waitkey(1)
            except cv2.error:
                pass


def _quiet_qt_fonts() -> None:
    """OpenCV's Qt build points Qt at a font folder inside the wheel, which the wheel does not
    ship, and Qt then warns on stderr; point it at the system's fonts (before the first window)."""
    if not os.path.isdir(os.environ.get("QT_QPA_FONTDIR", "")):
        for d in ("/usr/share/fonts/truetype", "/usr/share/fonts", "/usr/local/share/fonts"):
            if os.path.isdir(d):
                os.environ["QT_QPA_FONTDIR"] = d
                break


@register_sink("preview", lambda spec: spec == "preview")
def open_preview(spec: str, info: SinkInfo, cfg: VideoConfig, **options) -> PreviewSink:
    return PreviewSink(info, **options)
