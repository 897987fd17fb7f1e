"""Registry of segmentation methods: name -> factory.

A method turns the reduced BGR frame into a reduced alpha (uint8, 255 = in
focus).  It may keep buffers between calls; a new instance is made per
:class:`~livecut.segment.Segmenter`.
"""

from __future__ import annotations

from typing import Callable, Protocol

import numpy as np

from livecut.config import SegmentConfig
from livecut.errors import ConfigError, ConfigTypeError


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
    """Class decorator: make a method selectable as ``segment.method = name``.

    ``name``: a non-empty string (as a configuration names it); the decorated ``factory(cfg,
    still)`` -- a class or a function -- returns the method.  Another name is a
    :class:`~livecut.errors.ConfigTypeError` (a :class:`ConfigError` for one empty or with
    spaces around it), what is not callable one too: a number was taken, and every list of the
    methods then failed (``method_names``, each configuration loaded) with a bare TypeError."""
    if not isinstance(name, str):
        raise ConfigTypeError(f"register_method: name must be a string (segment.method = name), got "
                              f"{type(name).__name__}")
    if not name or name != name.strip():
        raise ConfigError(f"register_method: name {name!r}: expected a name, not empty and without spaces "
                          "around it, as segment.method takes it")

    def deco(factory: Callable[[SegmentConfig, bool], Method]) -> Callable[[SegmentConfig, bool], Method]:
        if not callable(factory):
            raise ConfigTypeError(f"register_method({name!r}): expected a factory(cfg, still) that returns the "
                                  f"method (a class or a function), got {type(factory).__name__}")
        _METHODS[name] = factory
        return factory

    return deco


def create_method(name: str, cfg: SegmentConfig, still: bool = False) -> Method:
    try:
        factory = _METHODS[name]
    except KeyError:
        raise ConfigError(f"segment.method: unknown method {name!r} "
                          f"(known: {', '.join(sorted(_METHODS))})") from None
    method = factory(cfg, still)
    if not callable(method):  # (None was a bare TypeError at the first frame)
        raise ConfigTypeError(f"segment.method {name!r}: its factory returned {type(method).__name__}; expected "
                              "the method, method(small_bgr, timings=None, full=None) -> alpha")
    return method


def method_names() -> list[str]:
    return sorted(_METHODS)


def method_summaries() -> dict[str, str]:
    return {name: getattr(f, "summary", "") for name, f in sorted(_METHODS.items())}
