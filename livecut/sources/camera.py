"""Webcam source (OpenCV ``VideoCapture``): a spec that is an integer, or ``/dev/videoN``.

A live source: the driver buffer is kept to one frame and the runner always
processes the newest frame (older ones are dropped and counted).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import cv2

from livecut.config import VideoConfig
from livecut.errors import DeviceUnavailable, VideoOpenFailure
from livecut.sources import register_source
from livecut.sources.base import Frame, SourceInfo

#: consecutive failed reads after which a camera counts as gone
MAX_FAILED_READS = 30


def _quiet_opencv() -> None:
    """OpenCV logs 'can't open camera by index' warnings on stderr; we report errors ourselves."""
    try:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    except Exception:  # older/newer builds without the logging module
        os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")


def camera_index(spec: str) -> int | None:
    s = str(spec).strip()
    if s.isdigit():
        return int(s)
    if s.startswith("/dev/video") and s[len("/dev/video"):].isdigit():
        return int(s[len("/dev/video"):])
    return None


class CameraSource:
    """One camera, opened on construction and released by ``close``/``__exit__``."""

    live = True

    def __init__(self, index: int, cfg: VideoConfig | None = None, *, size: tuple[int, int] | None = None,
                 fps: float | None = None, capture_factory=cv2.VideoCapture):
        self.index = index
        self.cfg = cfg or VideoConfig()
        self.corrupt = 0
        #: set when the camera delivers another size than the one asked for (the runner warns)
        self.size_note = ""
        self._i = 0
        self._cap = None
        if sys.platform.startswith("linux") and not Path(f"/dev/video{index}").exists():
            raise VideoOpenFailure(f"camera {index}: not found (no /dev/video{index}; "
                                   "see `livecut devices`)")
        _quiet_opencv()
        backend = cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY
        cap = capture_factory(index, backend)
        if cap is None or not cap.isOpened():
            raise VideoOpenFailure(f"camera {index}: cannot open (missing, busy or no permission)")
        self._cap = cap
        try:
            if size:
                cap.set(cv2.CAP_PROP_FRAME_WIDTH, size[0])
                cap.set(cv2.CAP_PROP_FRAME_HEIGHT, size[1])
            if fps:
                cap.set(cv2.CAP_PROP_FPS, fps)
            cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
            ok, img = cap.read()
            if not ok or img is None:
                raise DeviceUnavailable(f"camera {index}: opened but delivers no frames (busy?)")
            self._first = img
            h, w = img.shape[:2]
            cam_fps = cap.get(cv2.CAP_PROP_FPS) or fps or 30.0
            if size and (w, h) != tuple(size):
                self.size_note = f"camera {index} delivers {w}x{h}, not the requested {size[0]}x{size[1]}"
            self.info = SourceInfo(width=w, height=h, fps=float(cam_fps))
        except BaseException:
            self.close()
            raise
        self._t0 = time.perf_counter()

    def __enter__(self) -> "CameraSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self) -> Frame | None:
        if self._cap is None:
            return None
        if self._first is not None:
            img, self._first = self._first, None
        else:
            failed = 0
            while True:
                ok, img = self._cap.read()
                if ok and img is not None:
                    break
                failed += 1
                if failed >= MAX_FAILED_READS:
                    raise DeviceUnavailable(f"camera {self.index}: stopped delivering frames")
                time.sleep(0.01)
        now = time.perf_counter()
        frame = Frame(image=img, index=self._i, pts=now - self._t0, captured_at=now)
        self._i += 1
        return frame

    def close(self) -> None:
        cap, self._cap = self._cap, None
        if cap is not None:
            cap.release()


@register_source("camera", lambda spec: camera_index(spec) is not None)
def open_camera(spec: str, cfg: VideoConfig, *, size: tuple[int, int] | None = None,
                fps: float | None = None, **_: object) -> CameraSource:
    return CameraSource(camera_index(spec), cfg, size=size, fps=fps)
