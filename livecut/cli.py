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

import click
import typer
from typer.core import TyperGroup

from livecut import __version__
from livecut.config import Config, load_config
from livecut.errors import LivecutError

class _Group(TyperGroup):
    """Maps LivecutError (and Ctrl-C) raised by any command to one line and an exit code."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
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
    typer.echo(f"livecut: error: {message}", err=True)


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


@app.command()
def bench(
    size: str = typer.Option("1920x1080", "--size", help="Frame size WxH."),
    frames: int = typer.Option(30, "--frames", "-n", help="Frames to time (median is reported)."),
    threads: int = typer.Option(1, "--threads", help="OpenCV threads (1 = one core)."),
    baseline: bool = typer.Option(True, "--baseline/--no-baseline", help="Also time the baseline at full size."),
    config: Optional[str] = ConfigOpt,
    set_: Optional[List[str]] = SetOpt,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Time each stage on a synthetic frame: median ms per stage and frames per second."""
    from livecut.bench import format_bench, parse_size, run_bench

    cfg = get_config(config, set_)
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
