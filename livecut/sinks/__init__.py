"""Output sinks: file (video, PNG sequence), preview window, virtual camera, pipe/network.

Each kind registers a factory with :func:`register_sink`; :func:`open_sink`
picks by name (``preview``, ``vcam``) or by matching the output spec.
"""

from __future__ import annotations

import os
from typing import Any, Callable

from livecut.config import Config, VideoConfig, check_options, section_config
from livecut.sinks.base import Sink, SinkInfo, check_sink_info, input_paths
from livecut.urls import spec_text

__all__ = ["Sink", "SinkInfo", "check_sink", "open_sink", "register_sink", "sink_kind"]

# name -> (matches(spec) -> bool, factory(spec, info, cfg, **options) -> Sink)
_SINKS: dict[str, tuple[Callable[[str], bool], Callable[..., Sink]]] = {}
# name -> check(spec, channels, cfg): raises what the factory would refuse in the spec itself
# (and in the video configuration, for that spec)
_CHECKS: dict[str, Callable[[str, int, VideoConfig], None]] = {}


def register_sink(name: str, matches: Callable[[str], bool],
                  check: Callable[[str, int, VideoConfig], None] | None = None) -> Callable:
    """Decorator for a sink factory ``(spec, info, cfg, **options) -> Sink``; ``check(spec,
    channels, cfg)``, when given, refuses without opening anything what the factory would refuse
    in ``spec`` itself, or in ``cfg`` (a ``VideoConfig``) for it (see :func:`check_sink`).  A name
    that is not a string, a ``matches``, ``check`` or factory that is not callable is a
    :class:`~livecut.errors.ConfigTypeError` (it was taken, and every sink opened after it, and
    :func:`sink_kind`, failed with a bare TypeError)."""
    from livecut.errors import ConfigTypeError

    if not isinstance(name, str) or not name:
        raise ConfigTypeError(f"register_sink: name must be a non-empty string, got {name!r}")
    for what, fn in (("matches", matches), ("check", check)):
        if not callable(fn) and not (what == "check" and fn is None):
            raise ConfigTypeError(f"register_sink({name!r}): {what} must be a function, got {type(fn).__name__}")

    def deco(factory: Callable[..., Sink]) -> Callable[..., Sink]:
        if not callable(factory):
            raise ConfigTypeError(f"register_sink({name!r}): expected a factory(spec, info, cfg, **options) -> "
                                  f"Sink, got {type(factory).__name__}")
        _SINKS[name] = (matches, factory)
        if check is not None:
            _CHECKS[name] = check
        return factory

    return deco


#: the options the built-in sinks take; one kind ignores another's (run_video gives a stream
#: output ``force``), a name none takes is refused (see :func:`open_sink`); the preview's are
#: its window's own
OPTIONS = frozenset({"force", "inputs", "pipe_format", "pace", "device", "backend"})
PREVIEW_OPTIONS = frozenset({"controls", "stats", "imshow", "waitkey", "destroy", "visible", "snapshot_dir",
                             "overlay", "screen", "display_checked", "others"})


def _load_builtin() -> None:
    import importlib

    for mod in ("preview", "vcam", "network", "null", "file"):
        try:
            importlib.import_module(f"livecut.sinks.{mod}")
        except ModuleNotFoundError as exc:  # a sink module not written yet
            if exc.name != f"livecut.sinks.{mod}":
                raise


def sink_kind(spec: str | os.PathLike) -> str | None:
    """The name of the sink that writes ``spec`` (None: none can), without opening anything."""
    spec = spec_text(spec, "sink_kind", empty=True)
    _load_builtin()
    # the file sink takes any path: it is asked last, whatever order the modules loaded in
    for name, (matches, _) in sorted(_SINKS.items(), key=lambda kv: kv[0] == "file"):
        if matches(spec):
            return name
    return None


def open_sink(spec: str | os.PathLike, info: SinkInfo, cfg: Config | VideoConfig | None = None, *,
              kind: str | None = None, **options: Any) -> Sink:
    """Open (not yet enter) the sink ``kind`` (or the one matching ``spec``: a path, a URL,
    ``-``).  ``cfg``: a :class:`~livecut.config.Config` (its ``video`` section is used), a
    ``VideoConfig`` or None."""
    spec = spec_text(spec, "open_sink")
    _load_builtin()
    cfg = section_config(cfg, VideoConfig, "open_sink")  # (a Config: its video section)
    check_sink_info(info)  # (a tuple, a width of 320.0, fields changed since: a bare error deep inside)
    if kind is None:
        kind = sink_kind(spec)
    if kind is None or kind not in _SINKS:
        _unsupported(spec)
    factory = _SINKS[kind][1]
    if factory.__module__.startswith("livecut."):  # (a sink registered elsewhere takes its own)
        check_options(options, PREVIEW_OPTIONS if kind == "preview" else OPTIONS, "open_sink")
        if "inputs" in options:  # (inputs="in.mp4" was read letter by letter: the input written over)
            options["inputs"] = input_paths(options["inputs"], "open_sink")
        return factory(spec, info, cfg, **options)
    sink = factory(spec, info, cfg, **options)
    # (a registered factory that gave None, or a sink without write, failed run_video as Python's
    # "'NoneType' object does not support the context manager protocol", "writer stage failed:
    # AttributeError: 'K' object has no attribute 'write'", the sink not named, its source read)
    missing = [name for name in ("write", "__enter__", "__exit__") if not callable(getattr(sink, name, None))]
    if missing:
        from livecut.errors import ConfigTypeError
        from livecut.sources import _close_refused

        _close_refused(sink)
        raise ConfigTypeError(f"open_sink: the {kind!r} sink's factory returned {type(sink).__name__}, which has "
                              f"no {', '.join(missing)}; a sink has write(image, pts=None) and __enter__/__exit__")
    return sink


def check_sink(spec: str | os.PathLike, channels: int = 3, cfg: Config | VideoConfig | None = None) -> None:
    """Refuse, without opening anything, an output that :func:`open_sink` would refuse for what
    ``spec`` itself says, whatever the source gives: a scheme no sink writes, a URL without a
    port or with an impossible address, a video type that cannot keep a cutout's alpha
    (``channels`` 4), standard output on a terminal, a ``video.codec`` or ``video.preset`` of
    ``cfg`` (as :func:`open_sink` takes it) that a video file refuses.  For a live source or a
    camera, which the sinks are opened after (at their first frame), so this is said before a
    stream is waited for or a camera turned on."""
    spec = spec_text(spec, "check_sink")
    _load_builtin()
    cfg = section_config(cfg, VideoConfig, "check_sink")
    kind = sink_kind(spec)
    if kind is None:
        _unsupported(spec)
    check = _CHECKS.get(kind)
    if check is not None:
        check(spec, channels, cfg)


def _unsupported(spec: str) -> None:
    from livecut.errors import UsageError
    from livecut.urls import OUTPUT_SCHEMES, mistyped_url, redact_url, url_scheme

    typo = mistyped_url(spec, publishing=True)  # (-o rtsp:://USER:PASS@HOST/live: "rtsp:///://***@HOST/live:
    if typo:                                    # no sink can write this", a URL not the one given)
        raise UsageError(typo)
    scheme = url_scheme(spec)
    if scheme:
        raise UsageError(f"{redact_url(spec, publishing=True)}: unsupported output URL scheme {scheme}:// "
                         f"(livecut writes {', '.join(s + '://' for s in OUTPUT_SCHEMES)})")
    raise UsageError(f"{redact_url(spec, publishing=True)}: no sink can write this")
