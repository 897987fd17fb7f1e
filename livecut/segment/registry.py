"""Registry of segmentation methods: name -> factory.

A method turns the reduced BGR frame into a reduced alpha (uint8, 255 = in
focus).  It may keep buffers between calls; a new instance is made per
:class:`~livecut.segment.Segmenter`.
"""

from __future__ import annotations

from typing import Callable, Protocol

import numpy as np

from livecut.config import SegmentConfig
from livecut.errors import ConfigError


class Method(Protocol):
    """A segmentation method working at the reduced size."""

    #: one line for ``livecut methods``
    summary: str

    def __call__(self, small_bgr: np.ndarray, timings: dict[str, float] | None = None,
                 full: np.ndarray | None = None) -> np.ndarray:
        """Return an alpha (uint8, same height/width as ``small_bgr``); ``full`` is the
        full-size frame (a method may measure focus there)."""
        ...


#: ``factory(cfg, still)``: ``still`` is true for still images (photos may get extras
#: that video cannot afford)
_METHODS: dict[str, Callable[[SegmentConfig, bool], Method]] = {}


def register_method(name: str) -> Callable:
    """Class decorator: make a method selectable as ``segment.method = name``."""

    def deco(factory: Callable[[SegmentConfig, bool], Method]) -> Callable[[SegmentConfig, bool], Method]:
        _METHODS[name] = factory
        return factory

    return deco


def create_method(name: str, cfg: SegmentConfig, still: bool = False) -> Method:
    try:
        factory = _METHODS[name]
    except KeyError:
        raise ConfigError(f"segment.method: unknown method {name!r} "
                          f"(known: {', '.join(sorted(_METHODS))})") from None
    return factory(cfg, still)


def method_names() -> list[str]:
    return sorted(_METHODS)


def method_summaries() -> dict[str, str]:
    return {name: getattr(f, "summary", "") for name, f in sorted(_METHODS.items())}
