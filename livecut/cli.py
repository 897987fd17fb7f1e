"""livecut's command line (Typer).  Commands only: every piece of logic lives in the library.

Errors: library code raises :class:`livecut.errors.LivecutError`; :func:`main` turns
it into one line on stderr and the error's exit code (2 = bad input or usage).
``LIVECUT_DEBUG=1`` shows the traceback as well.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import List, Optional

import typer
from typer.core import TyperGroup

from livecut import __version__
from livecut.config import Config, load_config
from livecut.errors import LivecutError, UsageError


class _Group(TyperGroup):
    """Maps LivecutError (and Ctrl-C) raised by any command to one line and an exit code."""

    def invoke(self, ctx: typer.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except LivecutError as exc:
            if _debug():
                traceback.print_exc()
            err(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err("interrupted")
            raise typer.Exit(130) from None


app = typer.Typer(
    cls=_Group,
    name="livecut",
    help="Cut the sharp subject out of photos and video whose background is out of focus.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# ---------------------------------------------------------------- shared options

ConfigOpt = typer.Option(None, "--config", "-c", help="Preset name (default, fast, quality) or a TOML file.")
SetOpt = typer.Option(None, "--set", help="Override one key: section.key=value (repeatable).", metavar="KEY=VALUE")
BackgroundOpt = typer.Option(None, "--background", "-b",
                             help="blur | color:#RRGGBB | image:PATH | transparent.")


def get_config(config: Optional[str], overrides: Optional[List[str]], **cli_sets: object) -> Config:
    """Preset/TOML, then ``--set``, then dedicated flags (``section.key`` -> value, None = unset)."""
    sets = list(overrides or [])
    for key, value in cli_sets.items():
        if value is not None:
            sets.append(f"{key.replace('__', '.')}={json.dumps(value)}")
    return load_config(config, sets)


def err(message: str) -> None:
    from livecut.urls import redact_text

    typer.echo(f"livecut: error: {redact_text(message)}", err=True)  # never show URL credentials


def _debug() -> bool:
    return os.environ.get("LIVECUT_DEBUG", "") not in ("", "0")


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"livecut {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=version_callback, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    """Cut the sharp subject out of photos and video whose background is out of focus."""


# ---------------------------------------------------------------- images

@app.command()
def image(
    inputs: List[str] = typer.Argument(..., help="Image files, folders or globs.", metavar="INPUT..."),
    outdir: Path = typer.Option(..., "--output", "-o", help="Folder for the results (created if missing)."),
    mode: Optional[str] = typer.Option(None, "--mode", "-m", help="cutout (RGBA PNG) | mask | composite."),
    background: Optional[str] = BackgroundOpt,
    config: Optional[str] = ConfigOpt,
    set_: Optional[List[str]] = SetOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Cut the subject out of still images: writes OUTDIR/<stem>.png for each input."""
    from livecut.images import process_images

    cfg = get_config(config, set_, composite__background=background)
    mode = mode or "cutout"
    report = process_images(inputs, outdir, cfg, mode=mode, progress=not quiet)
    if _debug():
        for exc in report.exceptions:
            traceback.print_exception(exc)
    for line in report.errors:
        err(line)
    if not quiet:
        typer.echo(f"{report.written} written to {outdir}, {len(report.errors)} failed", err=True)
    if report.errors:
        raise typer.Exit(2)


# ---------------------------------------------------------------- measures

@app.command(name="eval")
def eval_(
    images_dir: Path = typer.Argument(..., help="Folder of images."),
    masks_dir: Path = typer.Argument(..., help="Folder of ground-truth masks (same stems, 255 = in focus)."),
    config: Optional[str] = ConfigOpt,
    set_: Optional[List[str]] = SetOpt,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Score the segmentation against ground-truth masks: IoU, F (beta^2=0.3), MAE, ms/image."""
    from livecut.evaluate import evaluate_folder, format_table

    cfg = get_config(config, set_)
    result = evaluate_folder(images_dir, masks_dir, cfg)
    typer.echo(json.dumps(result, indent=2) if as_json else format_table(result))
    for line in result["errors"]:
        err(line)
    if result["errors"]:
        raise typer.Exit(2)


@app.command()
def bench(
    size: str = typer.Option("1920x1080", "--size", help="Frame size WxH."),
    frames: int = typer.Option(30, "--frames", "-n", help="Frames to time (median is reported)."),
    threads: int = typer.Option(1, "--threads", help="OpenCV threads (1 = one core)."),
    baseline: bool = typer.Option(True, "--baseline/--no-baseline", help="Also time the baseline at full size."),
    config: Optional[str] = ConfigOpt,
    set_: Optional[List[str]] = SetOpt,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    transcode: bool = typer.Option(False, "--transcode", "--file",
                                   help="Time `livecut file` end to end against a plain decode+encode "
                                        "(a 1280x720 clip is generated unless --clip is given)."),
    clip: Optional[Path] = typer.Option(None, "--clip", help="Video for --transcode."),
) -> None:
    """Time each stage on a synthetic frame: median ms per stage and frames per second."""
    from livecut.bench import format_bench, format_transcode, parse_size, run_bench, run_transcode_bench

    cfg = get_config(config, set_)
    if transcode:
        tsize = parse_size(size) if size != "1920x1080" else (1280, 720)
        result = run_transcode_bench(cfg, clip, tsize)
        typer.echo(json.dumps(result, indent=2) if as_json else format_transcode(result))
        return
    result = run_bench(cfg, parse_size(size), frames=frames, threads=threads, baseline=baseline)
    typer.echo(json.dumps(result, indent=2) if as_json else format_bench(result))


@app.command()
def methods() -> None:
    """List the segmentation methods and the shipped presets."""
    from livecut.config import preset_names
    from livecut.segment import method_summaries

    for name, summary in method_summaries().items():
        typer.echo(f"{name:10s} {summary}")
    typer.echo(f"presets: {', '.join(preset_names())}")


# ---------------------------------------------------------------- devices

@app.command()
def devices(
    probe: bool = typer.Option(False, "--probe", help="Also open each camera once with OpenCV (slower)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List cameras and virtual cameras (--vcam), and say what is missing for them."""
    from livecut.devices import format_devices, list_devices

    report = list_devices(probe=probe)
    typer.echo(json.dumps(report.as_dict(), indent=2) if as_json else format_devices(report))


# ---------------------------------------------------------------- video

def video_options(func):
    """Adds the options shared by ``cam``, ``file`` and ``run`` (one place: VIDEO_OPTIONS).

    The command receives them as one dict, ``opts``; to add a shared flag, append
    ``(name, annotation, typer.Option(...))`` to VIDEO_OPTIONS and read ``opts[name]``.
    """
    import functools
    import inspect

    import typing

    sig = inspect.signature(func)
    hints = typing.get_type_hints(func)  # resolve string annotations (from __future__ import annotations)
    params = [p.replace(annotation=hints.get(p.name, p.annotation))
              for p in sig.parameters.values() if p.name != "opts"]
    extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=opt, annotation=ann)
             for name, ann, opt in VIDEO_OPTIONS]

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        opts = {name: kwargs.pop(name) for name, _, _ in VIDEO_OPTIONS if name in kwargs}
        return func(*args, opts=opts, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=params + extra)
    wrapper.__annotations__ = {}
    del wrapper.__wrapped__
    return wrapper


VIDEO_OPTIONS: list = [
    ("mode", Optional[str], typer.Option(None, "--mode", "-m",
                                         help="composite | mask | cutout | side-by-side.")),
    ("background", Optional[str], typer.Option(None, "--background", "-b",
                                               help="blur | color:#RRGGBB | image:PATH | video:PATH | transparent.")),
    ("frames", Optional[int], typer.Option(None, "--frames", "-n", help="Stop after N frames.", min=1)),
    ("preview", bool, typer.Option(False, "--preview", "-p", help="Show a preview window as well.")),
    ("pace", Optional[bool], typer.Option(None, "--pace/--no-pace",
                                          help="Play a file at its own speed (default when a preview window "
                                               "or a virtual camera shows it); --no-pace: as fast as possible.")),
    ("force", bool, typer.Option(False, "--force", "-f", help="Overwrite an existing output.")),
    ("config", Optional[str], ConfigOpt),
    ("set_", Optional[List[str]], SetOpt),
    ("quiet", bool, typer.Option(False, "--quiet", "-q", help="No progress line or summary.")),
    ("vcam", bool, typer.Option(False, "--vcam", help="Send the output to a virtual camera "
                                "(needs pyvirtualcam, the vcam extra; see docs/virtual-camera.md).")),
    ("vcam_device", Optional[str], typer.Option(None, "--vcam-device", metavar="DEVICE",
                                                help="Virtual camera to use, e.g. /dev/video10 (implies --vcam).")),
    ("rtsp_transport", Optional[str], typer.Option(None, "--rtsp-transport", metavar="tcp|udp",
                                                   help="RTSP transport for rtsp:// sources (default tcp).")),
]


def _setup_logging(quiet: bool) -> None:
    """livecut's log lines (stream reconnects, negotiated devices) as one line each on stderr."""
    import logging

    logger = logging.getLogger("livecut")
    if not any(getattr(h, "_livecut", False) for h in logger.handlers):
        class _Stderr(logging.StreamHandler):
            """Writes to whatever sys.stderr is now (it may be swapped, e.g. by pytest)."""

            stream = property(lambda self: sys.stderr, lambda self, value: None)

        handler = _Stderr()
        handler.setFormatter(logging.Formatter("livecut: %(message)s"))
        handler._livecut = True  # type: ignore[attr-defined]
        logger.addHandler(handler)  # propagation stays on: embedding apps/pytest still see records
    logger.setLevel(logging.WARNING if quiet else logging.INFO)


def _wants_vcam(opts: dict) -> bool:
    return bool(opts.get("vcam") or opts.get("vcam_device"))


def _run_video(spec: str, output: Optional[str], opts: dict, **kwargs) -> None:
    """Shared body of cam/file/run: config, run_video, summary line."""
    from livecut.runner import run_video
    from livecut.urls import redact_text

    _setup_logging(bool(opts.get("quiet")))
    cfg = get_config(opts.get("config"), opts.get("set_"), video__rtsp_transport=opts.get("rtsp_transport"))
    if _wants_vcam(opts):
        kwargs["extra_sinks"] = [("vcam", {"device": opts.get("vcam_device")})]
    stats = run_video(spec, output, cfg, mode=opts.get("mode"), background=opts.get("background"),
                      max_frames=opts.get("frames"), preview=bool(opts.get("preview")), pace=opts.get("pace"),
                      force=bool(opts.get("force")), progress=not opts.get("quiet"), **kwargs)
    for w in stats.warnings:
        typer.echo(f"livecut: warning: {redact_text(w)}", err=True)
    if not opts.get("quiet"):
        from livecut.urls import redact_url

        where = f" -> {redact_url(output)}" if output else ""
        typer.echo(f"{redact_url(spec)}{where}: {stats.summary()}", err=True)


@app.command()
@video_options
def cam(
    index: int = typer.Argument(0, help="Camera index (0 = first camera)."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Also record to a video file or DIR/."),
    size: Optional[str] = typer.Option(None, "--size", help="Capture size WxH, e.g. 1280x720."),
    fps: Optional[float] = typer.Option(None, "--fps", help="Capture frame rate."),
    opts: dict = None,
) -> None:
    """Live preview of a webcam (q or Esc quits)."""
    from livecut.bench import parse_size

    opts = dict(opts or {})
    if not output and not _wants_vcam(opts):
        opts["preview"] = True
    _run_video(str(index), output, opts, size=parse_size(size) if size else None, fps=fps)


@app.command(name="file")
@video_options
def file_(
    input: Path = typer.Argument(..., help="Video file to process.", metavar="INPUT"),
    output: Optional[str] = typer.Option(None, "--output", "-o",
                                         help="Output: .mp4/.mkv (H.264), .mov (ProRes 4444 if transparent), "
                                              ".webm (VP9), DIR/ for PNG frames, - for a NUT/MPEG-TS "
                                              "stream on stdout, or a udp:// srt:// rtsp:// URL."),
    opts: dict = None,
) -> None:
    """Transcode a recorded video: cut out the subject, replace or remove the background."""
    from livecut.sources import source_kind

    if source_kind(str(input)) != "file":
        raise UsageError(f"{input}: not a file (use `livecut run` for cameras and streams)")
    if not output and not _wants_vcam(opts or {}) and not (opts or {}).get("preview"):
        raise UsageError("nothing to write: give -o OUTPUT, --vcam and/or --preview")
    _run_video(str(input), output, opts or {})


@app.command()
@video_options
def run(
    source: str = typer.Argument(..., help="Camera index, rtsp:// / http(s):// / udp:// / srt:// URL, or file."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Video file, DIR/ or stream URL."),
    opts: dict = None,
) -> None:
    """Process any source: an integer is a camera, a URL a network stream, anything else a file."""
    _run_video(source, output, opts or {})


# ---------------------------------------------------------------- entry point

def main(argv: Optional[List[str]] = None) -> None:
    """Console-script entry point."""
    try:
        app(args=argv, prog_name="livecut")
    except Exception as exc:  # a bug: one line unless LIVECUT_DEBUG=1
        if _debug():
            raise
        err(f"internal error: {type(exc).__name__}: {exc} (set LIVECUT_DEBUG=1 for a traceback)")
        sys.exit(1)
