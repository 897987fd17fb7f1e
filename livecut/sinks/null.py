"""``null:``: a sink that takes frames and keeps none (to measure a pipeline's cost,
e.g. ``livecut file clip.mp4 -o null:`` or ``livecut bench --live``)."""

from __future__ import annotations

import numpy as np

from livecut.config import VideoConfig
from livecut.sinks import register_sink
from livecut.sinks.base import SinkInfo, check_frame, check_pts


def _is_null(spec: str) -> bool:
    return spec.strip().lower() == "null:"


class NullSink:
    """Counts the frames written; stores nothing."""

    accepts_i420 = True  # any pixel format: nothing is converted

    def __init__(self, info: SinkInfo):
        self.info = info
        self.frames = 0

    def __enter__(self) -> "NullSink":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def use_pixel_format(self, fmt: str) -> None:
        pass

    def write(self, image: np.ndarray, pts: float | None = None) -> None:
        # (None, a list, a float frame, a NaN time: counted as frames, where every other sink
        # refuses them; an I420 frame is an HxW uint8 array, which passes)
        check_frame(image, "null")
        check_pts(pts, "null")
        self.frames += 1

    def close(self) -> None:
        pass


@register_sink("null", _is_null)
def _open(spec: str, info: SinkInfo, cfg: VideoConfig, **options) -> NullSink:
    return NullSink(info)
