"""Video sources: camera, file, network stream -- opened by :func:`open_source` from a spec.

Each kind registers a factory with :func:`register_source`; the registry picks
the first whose ``matches(spec)`` is true, in registration order, and falls
back to the file source.
"""

from __future__ import annotations

import os
from typing import Any, Callable

from livecut.config import Config, VideoConfig, check_options, section_config
from livecut.errors import ConfigTypeError, UsageError, VideoOpenFailure
from livecut.sources.base import Frame, Source, SourceInfo
from livecut.urls import spec_text

__all__ = ["Frame", "Source", "SourceInfo", "open_source", "register_source", "source_kind"]

# name -> (matches(spec) -> bool, factory(spec, cfg, **options) -> Source)
_SOURCES: dict[str, tuple[Callable[[str], bool], Callable[..., Source]]] = {}


def register_source(name: str, matches: Callable[[str], bool]) -> Callable:
    """Decorator for a source factory ``(spec, cfg, **options) -> Source``; ``matches(spec)``
    says whether a spec is this kind's.  A name that is not a string, a ``matches`` or a factory
    that is not callable is a :class:`~livecut.errors.ConfigTypeError` (it was taken, and every
    source opened after it failed with a bare TypeError)."""
    if not isinstance(name, str) or not name:
        raise ConfigTypeError(f"register_source: name must be a non-empty string, got {name!r}")
    if not callable(matches):
        raise ConfigTypeError(f"register_source({name!r}): matches must be a function matches(spec) -> bool, "
                              f"got {type(matches).__name__}")

    def deco(factory: Callable[..., Source]) -> Callable[..., Source]:
        if not callable(factory):
            raise ConfigTypeError(f"register_source({name!r}): expected a factory(spec, cfg, **options) -> Source, "
                                  f"got {type(factory).__name__}")
        _SOURCES[name] = (matches, factory)
        return factory

    return deco


#: the options the built-in sources take; one kind ignores another's (a file a camera's ``fourcc``),
#: a name none takes is refused (see :func:`open_source`), as is a camera's ``size`` or ``fps`` given
#: for another kind (see :func:`camera_request`)
OPTIONS = frozenset({"live", "loop", "pace", "alpha", "size", "fps", "fourcc", "capture_factory",
                     "rtsp_transport", "reconnect"})


def camera_request(size: object, fps: object, kind: str, where: str) -> tuple[Any, Any]:
    """``size`` and ``fps`` -- what a camera is asked for -- checked as a camera checks them
    (:func:`livecut.sources.camera.check_request`: a ConfigTypeError, FrameSizeError or
    UsageError) whatever the source's ``kind``, then, given for a file or a stream (read at its own
    size and rate), a :class:`UsageError` in ``where``'s words: they were ignored without a word."""
    if size is None and fps is None:
        return size, fps
    from livecut.sources.camera import check_request

    size, fps = check_request(size, fps)
    if kind != "camera":
        given = " and ".join(f"{name}={value!r}" for name, value in (("size", size), ("fps", fps))
                             if value is not None)
        raise UsageError(f"{where}: {given}: what a camera is asked for; a {kind} is read at its own size "
                         "and frame rate (give None)")
    return size, fps


def _load_builtin() -> None:
    # imported for their registration side effect; each module is small
    import importlib

    for mod in ("camera", "stream", "file"):
        try:
            importlib.import_module(f"livecut.sources.{mod}")
        except ModuleNotFoundError as exc:  # a source module not written yet
            if exc.name != f"livecut.sources.{mod}":
                raise


def source_kind(spec: str | int | os.PathLike) -> str:
    """'camera', 'stream' or 'file' for a spec (without opening anything)."""
    spec = spec_text(spec, "source_kind", camera=True, empty=True)
    _load_builtin()
    # the file source accepts anything: it is the fallback, whatever the import order
    for name, (matches, _) in _SOURCES.items():
        if name != "file" and matches(spec):
            return name
    return "file"


#: what a source has, as a refused one is told
SOURCE_HAS = "a source has read(), __enter__/__exit__ and info (a livecut.sources.SourceInfo)"


def info_lack(source) -> str:
    """'' or what ``source``'s ``info`` lacks (none, or no SourceInfo: a dict).  Asked of a source
    entered (run_video): one may set its info only as it opens, in ``__enter__``."""
    info = getattr(source, "info", None)
    if hasattr(info, "width") and hasattr(info, "height"):
        return ""
    return "has no info" if info is None else f"has an info of {type(info).__name__}, no SourceInfo"


def _close_refused(made: Any) -> None:
    """Close what a registered factory made and open_source or open_sink refuses (its info a
    dict, no write()), where it has a close(): it was left open, a file or a camera held until
    it was collected.  What close() raises is not said: the refusal is."""
    close = getattr(made, "close", None)
    if callable(close):
        try:
            close()
        except Exception:  # (the refusal, said next, is the error)
            pass


def open_source(spec: str | int | os.PathLike, cfg: Config | VideoConfig | None = None, **options: Any) -> Source:
    """Open (not yet enter) the source for ``spec`` (a path, a URL or a camera index); raises
    :class:`VideoOpenFailure`.  ``cfg``: a :class:`~livecut.config.Config` (its ``video`` section is
    used), a ``VideoConfig`` or None."""
    spec = spec_text(spec, "open_source", camera=True)
    if spec == "-" and not os.path.lexists(spec):  # (it was "-: no such file"; a file named - opens)
        raise UsageError("open_source: - (standard input) is read by `livecut file -`, which keeps a "
                         "copy of it first: give open_source the path of that copy "
                         "(livecut.sources.stdin.spooled_stdin()), a file, a URL or a camera index")
    _load_builtin()
    cfg = section_config(cfg, VideoConfig, "open_source")  # (a Config: its video section)
    kind = source_kind(spec)
    try:
        _, factory = _SOURCES[kind]
    except KeyError:
        raise VideoOpenFailure(f"{spec}: no source can open this") from None
    if factory.__module__.startswith("livecut."):  # (a source registered elsewhere takes its own)
        check_options(options, OPTIONS, "open_source")
        # (a file's or a stream's size=(-1, 5) or fps='x' were ignored without a word, as valid ones)
        camera_request(options.get("size"), options.get("fps"), kind, "open_source")
        return factory(spec, cfg, **options)
    source = factory(spec, cfg, **options)
    # (a registered factory that gave None, or an object without read, failed run_video as
    # Python's "'NoneType' object does not support the context manager protocol", the source not
    # named; one whose info was a dict as "'dict' object has no attribute 'width'")
    # (close is not asked: what the runner calls is read, and the source as a context manager;
    # nor info, which a source may set as it is entered: see info_lack)
    missing = [name for name in ("read", "__enter__", "__exit__") if not callable(getattr(source, name, None))]
    lacks = (f"has no {', '.join(missing)}" if missing
             else info_lack(source) if getattr(source, "info", None) is not None else "")
    if lacks:
        _close_refused(source)
        raise ConfigTypeError(f"open_source: the {kind!r} source's factory returned {type(source).__name__}, which "
                              f"{lacks}; {SOURCE_HAS}")
    return source
