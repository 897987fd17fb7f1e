"""livecut's command line (Typer).  Commands only: every piece of logic lives in the library.

Errors: library code raises :class:`livecut.errors.LivecutError`; :func:`main` turns
it into one line on stderr and the error's exit code (2 = bad input or usage).
``LIVECUT_DEBUG=1`` shows the traceback as well.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Callable, List, Optional

import typer
from typer.core import TyperCommand, TyperGroup

from livecut import __version__
from livecut.config import Config, load_config
from livecut.errors import (FORCE, LivecutError, OutputExistsError, UsageError, VideoOpenFailure, WriteError,
                            interrupt_under, json_names, stop_text)
from livecut.errors import one_line as _one_line


class _Command(TyperCommand):
    """A command whose --help page is livecut's own (livecut/clihelp.py)."""

    def format_help(self, ctx, formatter) -> None:  # type: ignore[override]
        from livecut.clihelp import render_help

        formatter.write(render_help(ctx, self) + "\n")

    def get_help(self, ctx) -> str:  # type: ignore[override]
        return _help_page(super().get_help(ctx))

    def parse_args(self, ctx, args):  # type: ignore[override]
        from livecut.clihelp import outputs_given_twice, values_given_twice

        given = list(args)  # (as given: the parser takes them off the list)
        ctx.meta["livecut.given"] = given  # (a value said as written: clihelp.as_written)
        rest = _parsed_in(ctx, super().parse_args, args)
        twice = (outputs_given_twice(self.get_params(ctx), given, ctx.info_name)
                 or values_given_twice(self.get_params(ctx), given, ctx.info_name))
        if twice:  # (-o a.mp4 -o b.mp4 wrote b.mp4 alone, exit 0: the first -o was dropped without a word)
            ctx.fail(twice)
        output = next((ctx.params.get(p.name) for p in self.params if "-o" in p.opts), None)
        # (-o with its name left out took the next option for it: `livecut image a.jpg -o -q` made a
        # folder -q/, "1 written to -q"; `livecut file in.mp4 -o --force` said "--force: unknown video type")
        if (isinstance(output, str) and output.startswith("-") and not os.path.lexists(output)
                and any(output in (*p.opts, *p.secondary_opts) for p in self.get_params(ctx))):
            ctx.fail(f"-o {output}: an option, not an output: give the output's name after -o (-o NAME {output})")
        return rest


def _parsed_in(ctx, parse, args):
    """``parse(ctx, args)``, a usage error it raises told its context: the parser's own ("Option
    '--set' requires an argument.", "Option '--force' does not take a value.") came without it,
    said without the "(see 'livecut file --help')" the others end with."""
    try:
        return parse(ctx, args)
    except Exception as exc:
        if hasattr(exc, "format_message") and getattr(exc, "ctx", False) is None:
            exc.ctx = ctx
        raise


def _help_page(page: str) -> str:
    """A --help page (``livecut``'s, a command's; plain `livecut`'s), made and about to be printed:
    the command is over (:func:`livecut._entry.command_over`), a signal from here on leaves the
    page whole and the exit code (0; 2 for plain `livecut`).  One that landed as it was printed, or
    once it was, said a bare 'livecut: error: interrupted' and exited 130 (143, 129)."""
    from livecut._entry import command_over

    command_over()
    return page


def _failed() -> None:
    """The command failed -- its error is decided, its line about to be said: it is over
    (:func:`livecut._entry.command_over`), and a Ctrl-C, SIGTERM or SIGHUP from here on leaves
    the line and its exit code (2, 1, 3), as the error came first.  One that landed as the line
    was said, or once it was, before Python's shutdown, said 'livecut: error: interrupted' under
    it (or in its place) and exited 130 (143, 129)."""
    from livecut._entry import command_over

    command_over()


#: the command line as the running command was given it (see _Group.main)
_GIVEN: list[str] = []


class _Group(TyperGroup):
    """Maps LivecutError (and Ctrl-C) raised by any command, and usage errors, to one line
    and an exit code; draws livecut's own --help pages."""

    panel_order = ("Video", "Still images", "Many files", "Measure", "Information")
    option_panel_order = ("Input", "Output", "Preview and virtual camera", "Configuration", "Options")

    def format_help(self, ctx, formatter) -> None:  # type: ignore[override]
        from livecut.clihelp import render_help

        formatter.write(render_help(ctx, self) + "\n")

    def get_help(self, ctx) -> str:  # type: ignore[override]
        return _help_page(super().get_help(ctx))

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        from livecut.clihelp import usage_error_line

        _GIVEN[:] = sys.argv[1:] if args is None else args  # (as given, for a command's message: see get_config)
        _warn_pixel_limit_replaced()
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except Exception as exc:
            ctx = getattr(exc, "ctx", None)
            if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:  # plain `livecut`
                typer.echo(ctx.get_help())
                sys.exit(getattr(exc, "exit_code", 2))
            line = usage_error_line(exc, sys.argv[1:] if args is None else args)
            if line is None:
                if type(exc).__name__ == "Abort":  # Ctrl-C while Typer/click parse or prompt
                    err("interrupted")
                    sys.exit(130)
                raise
            _failed()
            err(line)
            sys.exit(getattr(exc, "exit_code", 2))
        from livecut._entry import command_over

        command_over()  # (every command's end: a signal from here on leaves its code, see _run_video)
        sys.exit(rv if isinstance(rv, int) else 0)

    def parse_args(self, ctx, args):  # type: ignore[override]
        return _parsed_in(ctx, super().parse_args, args)

    def make_context(self, info_name, args, parent=None, **extra):  # type: ignore[override]
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except KeyboardInterrupt as exc:  # Ctrl-C (a signal) while the arguments are read (Typer imports
            err(stop_text(exc))           # pydantic then): Typer itself would exit 130 without a word
            raise typer.Exit(getattr(exc, "exit_code", 130)) from None

    def invoke(self, ctx: typer.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except LivecutError as exc:
            _failed()
            if _debug():
                traceback.print_exc()
            from livecut.clihelp import glued_value_hint

            # (-clip.avi, a file, read as -c lip.avi: "lip.avi: config file not found")
            hint = glued_value_hint(str(exc), _GIVEN) if exc.exit_code == 2 else ""
            err(str(exc).rstrip(".") + hint if hint else str(exc))
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt as exc:  # before the run started, or a Terminated signal
            err(stop_text(exc))
            raise typer.Exit(getattr(exc, "exit_code", 130)) from None
        except EOFError as exc:
            # (no Ctrl-D at a prompt -- livecut asks nothing -- but an end of data a command did
            # not expect: a pipe to a process that died, PyAV's end of a stream, pickle's 'Ran out
            # of input'; click made it its Abort, said 'interrupted', exit 130, a bug as a stop)
            _failed()
            if _debug():
                traceback.print_exc()
            err(f"internal error: {type(exc).__name__}: {exc} (set LIVECUT_DEBUG=1 for a traceback)")
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_Group,
    name="livecut",
    help="Cut the sharp subject out of photos and video whose background is out of focus.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

VIDEO, IMAGES, MEASURE, INFO = "Video", "Still images", "Measure", "Information"
MANY = "Many files"
P_INPUT, P_OUTPUT, P_SHOW, P_CONFIG = "Input", "Output", "Preview and virtual camera", "Configuration"
command = app.command

# ---------------------------------------------------------------- shared options

ConfigOpt = typer.Option(None, "--config", "-c", metavar="PRESET|FILE", rich_help_panel=P_CONFIG,
                         show_default="default",
                         help="A preset (default, fast, quality; see `livecut methods`) or a TOML file.")
SetOpt = typer.Option(None, "--set", metavar="KEY=VALUE", rich_help_panel=P_CONFIG,
                      help="Override one key of the configuration, e.g. segment.threshold=0.5 (repeatable; "
                           "keys in config/default.toml).")


def keyword(module: str, name: str):
    """A callback taking an option's words (``module``'s tuple ``name``) in any case, as the word
    they name (``--mode Cutout`` was refused, 'expected one of cutout, ...', as a configuration's
    key takes it); another value as given (refused by the command, which names its words)."""
    def canonical(value):
        if not isinstance(value, str):
            return value
        import importlib

        words = getattr(importlib.import_module(module), name)
        return next((w for w in words if w.casefold() == value.casefold()), value)
    return canonical


def mode_opt(show_default: str, help: str):
    """``--mode/-m`` (its default and help differ between photos and video)."""
    return typer.Option(None, "--mode", "-m", metavar="MODE", rich_help_panel=P_OUTPUT,
                        callback=keyword("livecut.composite", "MODES"),
                        show_default=show_default, help=help)


def background_opt(help: str = "blur, color:#RRGGBB, image:PATH or transparent."):
    """``--background/-b``."""
    return typer.Option(None, "--background", "-b", metavar="BG", rich_help_panel=P_OUTPUT,
                        show_default="the configuration's composite.background (blur in default.toml)", help=help)


QuietOpt = typer.Option(False, "--quiet", "-q", help="No progress bar or summary.")
JsonOpt = typer.Option(False, "--json", help="Machine-readable output.")


#: the options that set a key of the configuration (they win over --config and --set)
FLAG_OF_KEY = {"composite.background": "--background", "video.rtsp_transport": "--rtsp-transport"}


def get_config(config: Optional[str], overrides: Optional[List[str]], **cli_sets: object) -> Config:
    """Preset/TOML, then ``--set``, then dedicated flags (``section__key`` -> value, None = unset).

    A flag's value is applied as given (not as ``--set`` text, which would turn a path that
    is not UTF-8, or a quote, into other text), and an error in it names the flag."""
    from livecut.config import OVERRIDE, apply_mapping, parse_override
    from livecut.errors import ConfigError

    try:
        cfg = load_config(config)
    except ConfigError as exc:
        raise ConfigError(config_text(str(exc))) from None
    for text in overrides or []:
        try:
            cfg = apply_mapping(cfg, parse_override(text), origin=OVERRIDE)
        except ConfigError as exc:  # ("override 'x': ..." -> "--set 'x': ...")
            raise ConfigError(config_text("--set" + str(exc).removeprefix(OVERRIDE))) from None
    for key, value in cli_sets.items():
        if value is not None:
            section, name = key.split("__", 1)
            cfg = apply_mapping(cfg, {section: {name: value}},
                                origin=FLAG_OF_KEY.get(f"{section}.{name}", f"--{name.replace('_', '-')}"))
    return cfg


def _check_config_not_stdin(config: Optional[str], carries: str, reader: str = "-") -> None:
    """Refuse ``-c /dev/stdin`` (``/dev/fd/0``) where standard input ``carries`` what the
    command reads from ``reader`` (``livecut file -``'s video, ``batch --list -``'s list, or
    ``--list /dev/stdin``'s): the configuration read it first, and each was said as the other's
    fault ('standard input was empty', 'invalid TOML')."""
    from livecut.atomic import open_file_named

    if reader != "-" and open_file_named(reader) != 0:
        return
    if config and open_file_named(config) == 0:
        raise UsageError(f"-c {config}: standard input carries {carries}; give the configuration in a "
                         "file, or -c <(...)")


def config_text(message: str) -> str:
    """A configuration error of the library's (:func:`~livecut.config.load_config`'s words) as
    the command line says it: a preset loaded, ``load_config('fast')``, is ``-c fast``, an empty
    or URL source ``--config``'s (an override's, :data:`~livecut.config.OVERRIDE`, is --set's:
    see get_config)."""
    def preset(m: re.Match) -> str:
        return f"-c {ast.literal_eval(m[1])}" + (" (--config; presets: " if m[2] else "")

    message = re.sub(r"load_config\(('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\)( \(presets: )?", preset, message)
    message = re.sub(r"^load_config: source is empty", "--config is empty", message)
    return message.replace(": is a URL; load_config takes", ": is a URL; --config takes", 1)


def local_path(text: str, why: str, name: str, streams: bool = True, pictures: bool = False) -> Path:
    """``text`` as a local path; a URL is refused (redacted) before it becomes a ``Path``
    (which would collapse ``://`` to ``:/`` and hide it from redaction), and so is an empty
    ``text`` (given as ``name``: an unset variable, ``-o "$OUT"``), which ``Path`` makes the
    current folder. ``streams``: the refusal points at `livecut run`; ``pictures``: a picture's
    http(s):// address at `livecut image URL` (see :func:`~livecut.urls.not_local`)."""
    from livecut.urls import not_local

    if not text:
        here = "" if name in ("--clip", "--sheet") else " ('.' for the current folder)"
        raise UsageError(f"{name} is empty: give a path{here}")
    refused = not_local(text, why, streams, pictures)
    if refused:
        raise UsageError(refused)
    return Path(os.path.expanduser(text))  # (~ quoted, or --x=~/... in zsh: it was a folder named ~ here)


def err(message: str, kind: str = "error") -> None:
    from livecut.errors import cli_text
    from livecut.urls import redact_text

    # never show URL credentials; a library message's "give force=True" is --force here; a
    # control character (a newline in a file's name or a --set key) is written escaped, \n, so
    # that the error stays one line (it broke the line: "unknown key segment.a", then "b (known: ...")
    text = cli_text(message)
    if isinstance(sys.stderr, _Scrubbed):  # (its secrets hidden before the URLs are redacted: see hide_secrets)
        text = sys.stderr.scrub(text)
    line = f"livecut: {kind}: {_one_line(redact_text(text))}"
    from livecut.progress import print_above

    if not print_above(line, sys.stderr):  # (above a progress line drawn, not glued to its end)
        typer.echo(line, err=True)


class _Early:
    """The ``early`` of :func:`livecut.images.process_images` and :func:`livecut.batch.run_batch`:
    says the errors, warnings and (not ``quiet``) notes of the report as it is before the first
    input is processed -- the inputs not found, the patterns that match nothing --, and counts
    them, for the rest alone to be said at the end: a name mistyped among 500 photos was said
    once they were all cut, minutes later.  It is their ``noted`` too: the warnings and notes of
    each input, said as it is done (the note of an all-sharp photo was said minutes later), and
    ``outputs``' warning, of them all (a background's), with the first output (a batch's before
    its first item, where it has items to do)."""

    def __init__(self, quiet: bool, outputs: Callable[[object], str | None] | None = None) -> None:
        self.quiet = quiet
        self.errors = self.warnings = self.notes = 0
        self.traced = 0  # (the tracebacks shown, LIVECUT_DEBUG: see failed)
        #: the warning of the outputs (a background's; of the report), said with the first written;
        #: None once said
        self.outputs = outputs

    def __call__(self, report) -> None:
        self.failed(report)
        if self.outputs is not None and (getattr(report, "written", 0) or getattr(report, "done", 0)
                                         or getattr(report, "todo", 0)):
            # (-b image:bg.png with transparency: said once all 500 photos were cut, minutes later; a
            # batch's at its start, items to do: with the first done, a video's, it came minutes in)
            line, self.outputs = self.outputs(report), None
            if line:
                err(line, "warning")
        for line in report.warnings[self.warnings:]:
            err(line, "warning")
        if not self.quiet:
            for line in report.notes[self.notes:]:
                err(line, "note")
        self.errors, self.warnings, self.notes = len(report.errors), len(report.warnings), len(report.notes)

    def failed(self, report) -> None:
        """The ``failed`` of :func:`livecut.images.process_images` and :func:`livecut.batch.run_batch`:
        says the errors of the report not said yet, as an input fails (a corrupt JPEG among 500
        photos was said once they were all done, minutes later); its warnings and notes are said
        by ``noted``; with LIVECUT_DEBUG, the tracebacks behind them first, as at the end."""
        # (an image's exceptions, a batch item's internal errors' tracebacks)
        traces = getattr(report, "exceptions", None) or getattr(report, "tracebacks", None) or []
        if _debug():
            for trace in traces[self.traced:]:
                sys.stderr.write(trace if isinstance(trace, str) else "".join(traceback.format_exception(trace)))
        self.traced = len(traces)
        for line in report.errors[self.errors:]:
            err(line)
        self.errors = len(report.errors)


def _warn_background_ignored(mode: str | None, background: str | None, configured: str | None = None) -> None:
    """Said when -b is given with a mode that shows no background (see
    :func:`livecut.composite.background_ignored`)."""
    from livecut.composite import background_ignored

    said = background_ignored(mode, background, configured)
    if said:
        typer.echo(f"livecut: warning: {said}", err=True)


def _warn_pixel_limit_replaced() -> None:
    """An OPENCV_IO_MAX_IMAGE_PIXELS that OpenCV cannot read, replaced by livecut's limit as
    livecut was imported (see livecut/__init__.py: it ended the process), is said; an empty one
    is taken as unset, as a shell's ``VAR=`` means, without a word."""
    import livecut

    given = livecut._PIXEL_LIMIT_REPLACED
    if given is not None and given.strip():
        from livecut.errors import quoted

        err(f"OPENCV_IO_MAX_IMAGE_PIXELS={quoted(given)}: not a number of pixels OpenCV reads (digits, then KB, "
            f"MB or nothing); livecut's limit, {os.environ.get('OPENCV_IO_MAX_IMAGE_PIXELS')}, is used", "warning")


def _debug() -> bool:
    """LIVECUT_DEBUG=1: tracebacks too (any value but empty, 0, false, no or off: LIVECUT_DEBUG=false
    turned them on); never with standard error closed (2>&-), where the
    traceback module, given no stderr, wrote them to standard output -- into the stream of -o -."""
    value = os.environ.get("LIVECUT_DEBUG", "").strip().lower()
    return value not in ("", "0", "false", "no", "off") and sys.stderr is not None


def version_callback(value: bool) -> None:
    if value:
        from livecut._entry import command_over

        command_over()  # (a signal from here on leaves the version said and the code 0, as a --help page)
        typer.echo(f"livecut {__version__}")
        raise typer.Exit()


_EXAMPLES = [
    ("livecut file in.mp4 -o out.mp4", "blur the background further, keep the audio"),
    ("livecut file in.mp4 -o cut.webm -b transparent", "remove it (VP9 with alpha)"),
    ("livecut image shots/*.jpg -o cut/", "RGBA PNG cutouts"),
    ("livecut batch shoot/ -o cut/", "a whole tree of photos and videos, every core"),
    ("livecut cam 0 --vcam", "webcam to a virtual camera"),
]
EXAMPLES = ("Examples:\n" + "".join(f"  {cmd.ljust(48)}{what}\n" for cmd, what in _EXAMPLES)
            + "Run 'livecut COMMAND --help' for a command's options.\n")


@app.callback(epilog=EXAMPLES)
def _root(version: bool = typer.Option(False, "--version", callback=version_callback, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    """Cut the sharp subject out of photos and video whose background is out of focus."""


# ---------------------------------------------------------------- images

@command(cls=_Command, rich_help_panel=IMAGES)
def image(
    inputs: List[str] = typer.Argument(..., metavar="INPUT...",
                                       help="Image files, folders (not their subfolders), globs (** at any "
                                            "depth) or pictures' http(s):// addresses."),
    outdir: str = typer.Option(..., "--output", "-o", metavar="OUTDIR", rich_help_panel=P_OUTPUT,
                               help="Folder for the results (created if missing), or, for one input, "
                                    "the output file (cut.png; .jpg for composite, side-by-side or mask)."),
    mode: Optional[str] = mode_opt("cutout, or composite with --background",
                                   "cutout (RGBA PNG), mask (gray PNG), composite (the subject over "
                                   "--background) or side-by-side (the photo | its composite). Unset: "
                                   "composite with -b; else the configuration's "
                                   "composite.mode if mask, cutout or side-by-side; else composite if its "
                                   "composite.background is neither the default (blur) nor a video; else cutout."),
    background: Optional[str] = background_opt("blur, color:#RRGGBB, image:PATH or transparent, behind "
                                               "the subject (implies --mode composite)."),
    force: bool = typer.Option(False, "--force", "-f", rich_help_panel=P_OUTPUT,
                               help="Overwrite existing outputs (never an input)."),
    skip_existing: bool = typer.Option(False, "--skip-existing", rich_help_panel=P_OUTPUT,
                                       help="Leave an image whose output exists (a run stopped part way "
                                            "goes on where it stopped); not with --force."),
    config: Optional[str] = ConfigOpt,
    set_: Optional[List[str]] = SetOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Cut the subject out of still images: writes OUTDIR/<stem>.png for each input."""
    from livecut.images import background_warning, image_mode, photo_mode, process_images

    if force and skip_existing:
        raise UsageError("--force and --skip-existing: give one (overwrite the outputs there, or leave them)")
    if "-" in inputs and not os.path.lexists("-"):  # (it was '-: file not found')
        raise UsageError("-: livecut image reads picture files, not standard input: save the picture to a "
                         "file first (`livecut file -` reads a video piped in)")
    from livecut.fetch import is_picture_url

    for text in inputs:  # (a picture's http(s):// address is fetched: a camera's snapshot.jpg)
        if not is_picture_url(text):
            local_path(text, "`livecut image` reads image files and pictures' http(s):// addresses", "INPUT")
    # (not "use `livecut run` for streams": a photo's cut is no stream)
    local_path(outdir, "`livecut image` writes local files: -o takes a folder, or for one input a picture's path",
               "-o", streams=False)  # (the text goes on: a final / means a folder)
    # (~ as livecut file, -b image: and -c take it: -o '~/cut/' made a folder named ~ here)
    inputs, outdir = [os.path.expanduser(t) for t in inputs], os.path.expanduser(outdir)
    from livecut.errors import ConfigError

    try:
        cfg = get_config(config, set_, composite__background=background)
    except ConfigError as exc:  # (-b purple listed video:PATH, which livecut image refuses, as valid)
        from livecut.composite import for_photos

        raise type(exc)(for_photos(str(exc))) from None
    _warn_background_ignored(mode, background)
    from livecut._entry import command_over
    from livecut.runner import finalize_on_signals

    # (in the command line's words: process_images names its argument, mode)
    photo = image_mode(photo_mode(mode, background, cfg), "--mode")
    # (what is known before the first photo is cut is said then, not after them all; a background's
    # warning with the first output written)
    said = _Early(quiet, lambda _: background_warning(cfg, mode=photo))

    def early(report) -> None:
        if report.errors and not report.to_cut:  # (none found to cut: the command failed, see _failed)
            _failed()
        said(report)

    with finalize_on_signals():  # SIGTERM/SIGHUP stop it as Ctrl-C does (the bar closed, one line)
        try:
            report = process_images(inputs, outdir, cfg, mode=photo, progress=not quiet, force=force,
                                    skip_existing=skip_existing, early=early, failed=said.failed, noted=said)
        except LivecutError as exc:  # (the errors and warnings of the images before the stop, then its line:
            # Ctrl-C, an output folder that cannot be made)
            done = getattr(exc, "report", None)
            for line in done.errors[said.errors:] if done is not None else ():
                err(line)
            for line in done.warnings[said.warnings:] if done is not None else ():
                err(line, "warning")
            raise
    command_over()  # (a signal from here on leaves its summary and its code: see _run_video)
    if _debug():
        for exc in report.exceptions[said.traced:]:
            traceback.print_exception(exc)
    # (what an output leaves out: said even with --quiet; a file's name escaped as an error's: a
    # newline in it broke the line)
    for line in report.errors[said.errors:]:
        err(line)
    for line in report.warnings[said.warnings:]:
        err(line, "warning")
    if not quiet:
        for line in report.notes[said.notes:]:
            err(line, "note")
        if sum(f"exists (give {FORCE}" in line for line in report.errors) > 1:  # (a run done before, in part)
            typer.echo("livecut: note: --skip-existing leaves the outputs there and cuts the rest", err=True)
        if report.written or report.skipped or len(report.errors) != 1:  # (one that failed: its error says it all)
            skipped = f", {report.skipped} there already (left)" if report.skipped else ""
            left = f", {report.left} not cut" if report.left else ""  # (a full or read-only disk)
            # (the folder's name as an error says it: a newline in it broke the line, a byte not UTF-8 was \udce9)
            # (-o cut.webpp, said a new folder cut.webpp/ by a note: that folder, not 'written to cut.webpp')
            where = report.folder or outdir
            typer.echo(_one_line(f"{report.written} written to {where}{skipped}, {report.failed} failed{left}"),
                       err=True)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


# ---------------------------------------------------------------- many files

@command(cls=_Command, rich_help_panel=MANY)
def batch(
    inputs: Optional[List[str]] = typer.Argument(None, help="Photos, videos, folders (recursively) or globs.",
                                                 metavar="INPUT..."),
    outdir: str = typer.Option(..., "--output", "-o", metavar="OUTDIR", rich_help_panel=P_OUTPUT,
                               help="Folder for the results; mirrors the input tree; holds the manifest "
                                    "livecut-batch.jsonl."),
    list_file: Optional[List[str]] = typer.Option(None, "--list", metavar="FILE", rich_help_panel=P_INPUT,
                                                  help="Also the inputs named in FILE, one path a line (- for "
                                                       "standard input); may be given more than once."),
    mode: Optional[str] = mode_opt("as `livecut image` / `livecut file`",
                                   "cutout, mask, composite or side-by-side (input | composite)."),
    background: Optional[str] = background_opt("blur, color:#RRGGBB, image:PATH or transparent; "
                                                "video:PATH for the videos only."),
    video_ext: str = typer.Option(".mp4", "--video-ext", metavar="EXT", rich_help_panel=P_OUTPUT,
                                  help="Output type of the videos: .mp4 .m4v .mkv .mov .webm .avi, or / for "
                                       "folders of PNG frames (photos are written as .png)."),
    force: bool = typer.Option(False, "--force", "-f", rich_help_panel=P_OUTPUT,
                               help="Overwrite outputs this batch did not write (never an input)."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", metavar="N", show_default="the number of cores, fewer where memory is short",
                                       help="Worker processes, each with its own segmenter."),
    use_hash: bool = typer.Option(False, "--hash", help="Tell changed inputs by a SHA-256 of their "
                                                         "content, not by size and mtime."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Also redo the items that failed before."),
    ray: Optional[str] = typer.Option(None, "--ray", metavar="auto|ADDRESS",
                                      callback=keyword("livecut.batch", "RAY_WORDS"),
                                      help="Run the items as Ray tasks: auto (a running cluster, else a "
                                           "local one) or the cluster's address (the ray extra; OUTDIR and "
                                           "the inputs on a shared file system)."),
    config: Optional[str] = ConfigOpt,
    set_: Optional[List[str]] = SetOpt,
    quiet: bool = QuietOpt,
) -> None:
    """Process a library of photos and videos on every core (or a Ray cluster); resumable."""
    from livecut.batch import list_files, run_batch
    from livecut._entry import command_over
    from livecut.runner import finalize_on_signals

    inputs = list(inputs or [])
    lists = list_files(list_file)
    if not inputs and not lists:
        raise UsageError("no inputs: give INPUT... and/or --list FILE")
    if "-" in inputs and not os.path.lexists("-"):  # (it was '-: file not found', '0 done, 1 failed')
        raise UsageError("-: livecut batch reads files, not standard input; --list - reads their names "
                         "from it, one a line")
    for text in inputs:  # (a picture's http(s):// address: `livecut image URL` fetches it)
        local_path(text, "`livecut batch` reads local files", "INPUT", pictures=True)
    local_path(outdir, "`livecut batch` writes to a local folder: -o takes a folder's path", "-o",
               streams=False)  # (the text goes on: a final / means a folder)
    outdir = os.path.expanduser(outdir)  # (as its inputs: -o '~/cut/' made a folder named ~ here)
    for one in lists:
        _check_config_not_stdin(config, f"the list of inputs (--list {one})", one)
    cfg = get_config(config, set_, composite__background=background)

    def typed(name: str) -> None:  # (it waited without a word for what is typed there; said once the options are checked)
        end = "Ctrl-Z then Enter" if os.name == "nt" else "Ctrl-D"
        where = "standard input" if name == "-" else f"{name} (the terminal)"
        err(f"reading the list of inputs from {where}, one path a line ({end} to end)", "note")

    _warn_background_ignored(mode, background)  # (as image and file say it: batch said nothing)

    def several(report) -> str | None:  # (once for the whole batch, not once an item)
        from livecut.batch import photo_background
        from livecut.images import background_warning, photo_mode

        # (with videos to cut, an animated GIF's says that -b video:PATH plays it, as `livecut file`'s)
        video = bool(report.videos)
        return (background_warning(cfg, mode=photo_mode(mode, photo_background(background), cfg), video=video)
                or background_warning(cfg, mode=mode, video=video))

    # (what is known before the first item is processed is said then, not at the end; a background's
    # warning with the first item done)
    said = _Early(quiet, several)

    def over(report) -> None:
        if report.errors and not report.todo:  # (no item to do, one refused: the command failed, see _failed)
            _failed()

    def early(report) -> None:
        over(report)
        said(report)

    def failed(report) -> None:  # (an input refused before the items are done, said as it is recorded)
        over(report)
        said.failed(report)

    with finalize_on_signals():  # SIGTERM/SIGHUP stop the batch as Ctrl-C does
        try:
            report = run_batch(inputs, outdir, cfg, mode=mode, background=background, jobs=jobs,
                               list_file=lists, video_ext=video_ext, use_hash=use_hash,
                               retry_failed=retry_failed, force=force, ray=ray, progress=not quiet,
                               early=early, failed=failed, noted=said, typed=typed,
                               _said="--mode")  # (in the command line's words: run_batch names its argument, mode)
        except LivecutError as exc:  # (a stopped batch's failures, and the temporary files it could not remove)
            for line in (getattr(exc, "errors", None) or [])[said.errors:]:
                err(line)
            for line in (getattr(exc, "warnings", None) or [])[said.warnings:]:
                err(line, "warning")
            for line in (getattr(exc, "notes", None) or [])[said.notes:] if not quiet else ():
                err(line, "note")
            raise
    command_over()  # (a signal from here on leaves its summary and its code: see _run_video)
    if _debug():  # (an item's internal error: its worker's traceback)
        for text in report.tracebacks[said.traced:]:
            sys.stderr.write(text)
    for line in report.errors[said.errors:]:
        err(line)
    for line in report.warnings[said.warnings:]:  # (what an output leaves out: said even with --quiet, as
        err(line, "warning")  # `image` says it; a file's name escaped, as there: a newline in it broke the line)
    if not quiet:
        for line in report.notes[said.notes:]:
            err(line, "note")
    if not quiet or report.exit_code:
        typer.echo(f"livecut batch: {report.summary()}", err=True)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


# ---------------------------------------------------------------- measures

@command(name="eval", cls=_Command, rich_help_panel=MEASURE)
def eval_(
    ctx: typer.Context,
    images_dir: str = typer.Argument(..., metavar="IMAGES", help="Folder of images (subfolders too)."),
    masks_dir: Optional[str] = typer.Argument(None, metavar="MASKS",
                                    help="Folder of ground-truth masks: the same names (path in the folder, "
                                         "any extension and letter case; or the name plus _mask, _gt, -mask, "
                                         "...; left out or IMAGES again: the masks are in IMAGES, "
                                         "0001_mask.png, GT_0001.png or 0001.png beside 0001.jpg); bright = in focus (0/255, 0/1, 16-bit, colour, palette PNG or "
                                         "GIF; a mask with transparency is its alpha). "
                                         "A mask of another size but the photo's shape (16 px a side at least) is resized to it."),
    config: Optional[str] = ConfigOpt,
    set_: Optional[List[str]] = SetOpt,
    as_json: bool = JsonOpt,
    scales: str = typer.Option("1", "--scales", metavar="S,S,...",
                               help="Rescale each photo by these factors (cubic up, area down) and score "
                                    "against the native truth; per-scale means, e.g. 0.5,1,2,3 (an x before or after "
                                    "each is taken: x0.5 as the table prints it, or 0.5x)."),
    sheet: Optional[str] = typer.Option(None, "--sheet", metavar="OUT.png",
                                         help="Write a contact sheet outside IMAGES and MASKS, one row per photo (first scale): its number, "
                                              "name and scores | image | truth | mask | cutout on grey; "
                                              "50 rows a page: OUT.png, OUT-2.png, ... "
                                              "(the further pages of an earlier, longer sheet are removed)."),
    subset: Optional[str] = typer.Option(None, "--subset", metavar="FILE[.json:KEY]",
                                         help="Only the photos named in FILE (one a line; any letter case; - reads "
                                              "them from standard input) or in a JSON list, e.g. "
                                              "livecut/models/cuhk_split.json:val."),
    video: bool = typer.Option(False, "--video", help="Segment each photo as a video frame is (gray guided "
                                                      "refinement, no mirrored pass with segment.tta=auto, "
                                                      "the standard network alone with segment.model=auto, "
                                                      "the video's noise levels for the noisy network)."),
    i420: bool = typer.Option(False, "--i420", help="Pass each photo to the engine as YUV 4:2:0 planes "
                                                    "(the transcode path), not BGR."),
    # (--soften, --noise, --jpeg: their ranges are refused by evaluate_folder, before a photo is read;
    # Click's said of NaN "Input should be less than or equal to 8", of --jpeg 101 "... to 100")
    soften: float = typer.Option(1.0, "--soften", metavar="F",
                                 help="Soften each photo first, as a soft camera shows a scene: reduced F "
                                      "times (area) and enlarged back (cubic), before --scales."),
    invert: bool = typer.Option(False, "--invert", help="The masks mark the blurred part, not the subject "
                                                        "(as the CUHK benchmark's own masks do)."),
    noise: float = typer.Option(0.0, "--noise", metavar="SIGMA",
                                help="Add Gaussian sensor noise of this sigma (gray levels) to each "
                                     "rescaled photo (the same noise every run)."),
    jpeg: int = typer.Option(0, "--jpeg", metavar="Q",
                             help="Compress each rescaled photo as JPEG at this quality (after --noise; "
                                  "0: not)."),
    bars: Optional[str] = typer.Option(None, "--bars", metavar="letterbox|pillarbox",
                                       callback=keyword("livecut.evaluate", "BARS"),
                                       help="Put black bars (18 % of the photo each side) above and below "
                                            "or left and right of each rescaled photo; the truth gets them "
                                            "as background."),
) -> None:
    """Score the segmentation against ground-truth masks: IoU, F (beta^2=0.3), MAE, ms/image.

    Per photo, then the mean over the photos: IoU and F of the mask binarised at 128 (of 255)
    against the truth, MAE of the soft mask (|alpha/255 - truth|); ms: the engine's time."""
    from livecut.clihelp import as_written
    from livecut.evaluate import (check_degrade, check_sheet_path, check_soften, evaluate_folder, format_table,
                                  parse_scales, read_subset)
    from livecut.runner import finalize_on_signals

    # (said as written, before anything is read: --soften 0 was "--soften 0.0: expected ...", --noise
    # 1e400 "--noise inf", numbers not given)
    check_soften(as_written(ctx, soften, "--soften"))
    check_degrade(as_written(ctx, noise, "--noise"), as_written(ctx, jpeg, "--jpeg"))

    # (not "use `livecut run` for streams", which neither scores photos nor writes a sheet)
    images_dir = local_path(images_dir, "`livecut eval` reads local folders", "IMAGES", streams=False)
    masks_dir = local_path(masks_dir, "`livecut eval` reads local folders", "MASKS", streams=False) \
        if masks_dir is not None else images_dir  # (one folder of photos and masks)
    if sheet is not None:  # (a Path: '' was '.', a URL's :// folded to :/ out of redaction's reach)
        named, sheet = sheet, local_path(sheet, "--sheet writes a local picture", "--sheet", streams=False)
        # (a Path forgets the /; one that keeps it, the root /, got a second: '--sheet //: is a folder')
        check_sheet_path(f"{sheet}/" if named.endswith(("/", os.sep)) and not str(sheet).endswith(("/", os.sep))
                         else sheet)
    if subset is not None:  # (standard input, - or /dev/stdin, as batch's --list - reads it)
        _check_config_not_stdin(config, f"the names of --subset {subset}", subset)
    cfg = get_config(config, set_)
    from livecut.batch import _terminal

    if subset == "-" and _terminal(sys.stdin):  # (it waited without a word)
        end = "Ctrl-Z then Enter" if os.name == "nt" else "Ctrl-D"
        err(f"reading the names of --subset from standard input, one a line ({end} to end)", "note")
    from livecut.progress import Progress

    bar: list = []  # (a bar on a terminal, made once the number of pairs is known: 500 photos at
    # 4 scales ran for many minutes without a sign)

    def progress(done: int, total: int) -> None:
        if not bar:
            bar.append(Progress(total, "eval", unit="photo"))
        bar[0].update(done - bar[0].count)

    try:
        with finalize_on_signals():  # (SIGTERM killed it without a word, its sheet's pages left at temporary names)
            result = evaluate_folder(images_dir, masks_dir, cfg, scales=parse_scales(scales),
                                     subset=read_subset(subset) if subset is not None else None, sheet=sheet,
                                     video=video, i420=i420, soft=soften, invert=invert, noise=noise, jpeg=jpeg,
                                     bars=bars, progress=progress)
    finally:
        if bar:
            bar[0].close()
    from livecut._entry import command_over

    # (scored, the sheet written: a signal from here on leaves its results -- the JSON whole -- and its code,
    # as a summary's, see _run_video; it said 'interrupted' under them, exit 130)
    command_over()
    # (a photo's name not UTF-8: text, its byte \xe9, and its bytes in name_base64, not a lone surrogate)
    typer.echo(json.dumps(json_names(result, ("name",)), indent=2) if as_json else format_table(result))

    def note(names: list, what: str) -> None:
        if names:
            # (the first 3 named: which of 500 photos had no mask was nowhere else in the text)
            typer.echo(_one_line(f"livecut: note: {len(names)} {what}: {', '.join(names[:3])}"
                                 f"{' ... (--json lists them all)' if len(names) > 3 else ''}"), err=True)

    if result.get("one_folder"):  # (0001.jpg and 0001_mask.png in one folder: which was taken for a mask)
        from livecut.evaluate import ONE_FOLDER_MASK_EXTS

        ways = result["one_folder"]
        typer.echo(_one_line(f"livecut: note: IMAGES and MASKS are one folder ({images_dir}): "
                   f"{sum(ways.values())} photo(s) paired with their masks by name: "
                   + ", ".join(f"{n} of the photo's name, a {w[1:].upper()} beside its JPEG" if w.lower() in ONE_FOLDER_MASK_EXTS else
                               f"{n} named as the photo whole plus {w[w.rindex('.'):]!r}" if w.count(".") == 2
                               and w.startswith(".") else
                               f"{n} named as the photo after {w!r}" if w[0] not in "_-. " else
                               f"{n} named as the photo plus {w!r}" for w, n in sorted(ways.items()))), err=True)
    if result.get("mask_ending"):  # (basic_mask.png for basic.jpg: "no image has a mask of the same name")
        typer.echo(f"livecut: note: masks named as their photo plus {result['mask_ending']!r} were paired "
                   "with it", err=True)
    if result.get("mask_prefix"):  # (mask_001.png for 001.jpg: likewise)
        typer.echo(f"livecut: note: masks named as their photo after {result['mask_prefix']!r} were paired "
                   "with it", err=True)
    note(result.get("without_mask") or [], f"image(s) without a mask of the same name in {masks_dir}, not scored")
    note(result.get("without_image") or [], f"mask(s) without an image of the same name in {images_dir}")
    note(result.get("raw_photos") or [], "photo(s) of those masks are camera raw files, which livecut does not "
                                         "read: export them as JPEG, PNG or TIFF first")
    from livecut.evaluate import GIFS_NOT_SCORED, VIDEOS_NOT_SCORED

    note(result.get("videos") or [], f"video(s) those masks are named for, {VIDEOS_NOT_SCORED}")
    note(result.get("gif_photos") or [], "photo(s) of those masks are GIFs or APNGs, "
         + GIFS_NOT_SCORED.format(them="them"))
    note(result.get("subset_missing") or [], f"name(s) of --subset not in {images_dir}")
    note(result.get("resized_masks") or [], "mask(s) of another size than their photo, resized to it")
    note(result.get("deep_masks") or [], "16-bit mask(s) of values 0-1023 or 0-4095, read as 10- or 12-bit "
                                         "(in focus from 512 or 2048, not 32768)")
    note(result.get("empty_masks") or [], "mask(s) with nothing in focus" + (" (all marked blurred, --invert)"
                                                                          if invert else "")
         + ": IoU and F are 0 there unless the cut is empty too")
    note(result.get("trimaps") or [], "mask(s) are trimaps (black, white and one grey level: 0/128/255): their grey, "
         "unknown band is left out of IoU, F and MAE")
    note(result.get("clear_photos") or [], "photo(s) fully transparent (alpha 0 everywhere): nothing of them shows, "
                                           "so nothing is cut, as livecut image cuts them (IoU and F 0 unless the "
                                           "mask is empty too; remove the alpha channel to score the colours under it)")
    if len(result.get("sheets") or []) > 1:
        note(result["sheets"], "pages of the contact sheet")
    note(result.get("sheets_removed") or [], "page(s) of an earlier, longer contact sheet removed")
    for line in result.get("warnings") or []:  # (a page's temporary name an append-only folder kept:
        err(line, "warning")                    # it stayed beside the sheet without a word)
    for line in result["errors"]:
        err(line)
    if result["errors"]:
        # (a --sheet asked for and not written -- a full disk: a run-time failure, exit 1, as an
        # image's or a video's output; it was 2, bad input)
        raise typer.Exit(1 if sheet is not None and not result.get("sheets") else 2)


@command(cls=_Command, rich_help_panel=MEASURE)
def bench(
    size: Optional[str] = typer.Option(None, "--size", metavar="WxH", show_default=False,
                                       help="Frame size (default 1920x1080; 1280x720 for --transcode; a --clip is "
                                            "timed at its own)."),
    frames: Optional[int] = typer.Option(None, "--frames", "-n", metavar="N", min=1, show_default="30",
                                         help="Frames to time (median is reported; not with --transcode "
                                              "or --live, which play a whole clip)."),
    threads: Optional[int] = typer.Option(None, "--threads", metavar="N", min=1, show_default="1",
                                          help="OpenCV threads (1 = one core; at most 4 a CPU; not with --transcode or "
                                               "--live, which use livecut's own)."),
    baseline: Optional[bool] = typer.Option(None, "--baseline/--no-baseline", show_default="--baseline",
                                            help="Also time the baseline at full size (not with "
                                                 "--transcode or --live)."),
    config: Optional[str] = ConfigOpt,
    set_: Optional[List[str]] = SetOpt,
    as_json: bool = JsonOpt,
    transcode: bool = typer.Option(False, "--transcode", "--file",
                                   help="Time `livecut file` end to end against a plain decode+encode "
                                        "(a 1280x720 clip is generated unless --clip is given)."),
    live: bool = typer.Option(False, "--live", help="Play a 30 fps clip as a live source into a null sink "
                                                    "(no preview) and report the CPU share it takes "
                                                    "(1920x1080 unless --size)."),
    clip: Optional[str] = typer.Option(None, "--clip", metavar="FILE", help="Video for --transcode or --live."),
    scene: Optional[str] = typer.Option(None, "--scene", metavar="moving|still", show_default="moving",
                                        callback=keyword("livecut.bench", "SCENES"),
                                        help="The generated clip of --transcode/--live: a subject crossing the "
                                             "frame, or a still scene with sensor noise (a tripod, a video call)."),
) -> None:
    """Time each stage on a synthetic frame: median ms per stage and frames per second."""
    from livecut.bench import (format_bench, format_live, format_transcode, parse_size, run_bench,
                               run_live_bench, run_transcode_bench)
    from livecut.runner import finalize_on_signals

    # (not "use `livecut run` for streams", which times nothing)
    clip = local_path(clip, "--clip takes a local video file, which the bench plays itself", "--clip",
                      streams=False) if clip is not None else None
    cfg = get_config(config, set_)
    if live and transcode:
        raise UsageError("--live and --transcode: choose one")
    if clip is not None and not (live or transcode):
        raise UsageError("--clip is the video of --transcode or --live; the one-frame bench times a "
                         "synthetic frame")
    # (they were ignored there without a word: -n 60 --live still played the whole clip)
    one_frame = [flag for flag, value in (("--frames", frames), ("--threads", threads),
                                          ("--baseline" if baseline else "--no-baseline", baseline))
                 if value is not None]
    if one_frame and (live or transcode):
        raise UsageError(f"{', '.join(one_frame)}: only for the one-frame bench; "
                         f"--{'live' if live else 'transcode'} times a whole clip")
    if size is not None and clip is not None:  # (it was ignored: the clip was timed at its own size)
        raise UsageError(f"--size sets the size of the clip --{'live' if live else 'transcode'} generates; "
                         "--clip is timed at its own size")
    # (--scene moving, the default given, was ignored without a word with a --clip or alone)
    if scene is not None and (clip is not None or not (live or transcode)):
        raise UsageError("--scene chooses the clip --live/--transcode generate; it does not apply "
                         + ("to --clip" if clip is not None else "to the one-frame bench"))
    scene = scene or "moving"
    with finalize_on_signals():  # (SIGTERM killed it, its generated clip left in the temporary folder)
        if live:
            # (--size "$SIZE" with SIZE unset is refused, not taken for the default)
            lsize = parse_size(size, cfg) if size is not None else (1920, 1080)
            result = run_live_bench(cfg, lsize, clip=clip, scene=scene)
        elif transcode:
            tsize = parse_size(size, cfg) if size is not None else (1280, 720)
            result = run_transcode_bench(cfg, clip, tsize, scene=scene)
        else:
            result = run_bench(cfg, parse_size("1920x1080" if size is None else size, cfg),
                               frames=30 if frames is None else frames,
                               threads=threads or 1, baseline=baseline is not False)
    from livecut._entry import command_over

    command_over()  # (timed, its clip removed: a signal from here on leaves its results and its code, as eval's)
    shown = format_live if live else format_transcode if transcode else format_bench
    # (a --clip whose name is not UTF-8, caf\xe9.mp4: "clip" was "caf\udce9.mp4", a lone surrogate
    # that stricter JSON readers refuse; as eval's names: its byte \xe9, its bytes in clip_base64)
    typer.echo(json.dumps(json_names(result, ("clip",)), indent=2) if as_json else shown(result))


@command(cls=_Command, rich_help_panel=INFO)
def methods() -> None:
    """List the segmentation methods and the shipped presets."""
    from livecut._entry import command_over
    from livecut.config import preset_names, presets_dir
    from livecut.segment import method_summaries

    lines = [f"{name:10s} {summary}" for name, summary in method_summaries().items()]
    lines.append("method: --set segment.method=NAME (any command that segments); a preset: -c NAME")
    # (where they are: installed, they are not in a config/ folder, where --set's help points)
    lines.append(f"presets: {', '.join(preset_names())} (in {presets_dir()}; default.toml lists every key, "
                 "its default and range)")
    command_over()  # (the list made: a signal from here on leaves it whole and the code 0, as eval's results)
    for line in lines:
        typer.echo(line)


# ---------------------------------------------------------------- devices

@command(cls=_Command, rich_help_panel=INFO)
def devices(
    probe: bool = typer.Option(False, "--probe", help="Also open each camera once with OpenCV (slower)."),
    as_json: bool = JsonOpt,
) -> None:
    """List cameras and virtual cameras (for --vcam), and say what is missing for them."""
    from livecut._entry import command_over
    from livecut.devices import format_devices, list_devices

    report = list_devices(probe=probe)
    command_over()  # (the devices listed, probed: a signal from here on leaves the list and the code 0)
    typer.echo(json.dumps(report.as_dict(), indent=2) if as_json else format_devices(report))


# ---------------------------------------------------------------- video

def video_options(*skip: str):
    """Adds the options shared by ``cam``, ``file`` and ``run`` (one place: VIDEO_OPTIONS),
    but those named in ``skip`` (e.g. ``--rtsp-transport`` for a camera).

    The command receives them as one dict, ``opts``; to add a shared flag, append
    ``(name, annotation, typer.Option(...))`` to VIDEO_OPTIONS and read ``opts[name]``.
    """
    import functools
    import inspect

    import typing

    shared = [o for o in VIDEO_OPTIONS if o[0] not in skip]

    def deco(func):
        sig = inspect.signature(func)
        hints = typing.get_type_hints(func)  # resolve string annotations (from __future__ import annotations)
        params = [p.replace(annotation=hints.get(p.name, p.annotation))
                  for p in sig.parameters.values() if p.name != "opts"]
        extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=opt, annotation=ann)
                 for name, ann, opt in shared]

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            opts = {name: kwargs.pop(name) for name, _, _ in shared if name in kwargs}
            return func(*args, opts=opts, **kwargs)

        wrapper.__signature__ = sig.replace(parameters=params + extra)
        wrapper.__annotations__ = {}
        del wrapper.__wrapped__
        return wrapper

    return deco


VIDEO_OPTIONS: list = [
    ("mode", Optional[str], mode_opt("the configuration's composite.mode (composite in default.toml)",
                                     "composite (subject over --background), cutout (with "
                                     "alpha), mask, or side-by-side (input | composite).")),
    ("background", Optional[str], background_opt("blur, color:#RRGGBB, image:PATH, video:PATH or transparent.")),
    ("force", bool, typer.Option(False, "--force", "-f", rich_help_panel=P_OUTPUT,
                                 help="Overwrite an existing output (never the input).")),
    ("frames", Optional[int], typer.Option(None, "--frames", "-n", metavar="N", rich_help_panel=P_INPUT,
                                           help="Stop once N frames are written (N >= 1; a camera's or stream's "
                                                "frames dropped behind a slow output do not count).")),
    ("rtsp_transport", Optional[str], typer.Option(None, "--rtsp-transport", metavar="tcp|udp",
                                                   callback=keyword("livecut.config", "RTSP_TRANSPORTS"),
                                                   rich_help_panel=P_INPUT,
                                                   show_default="the configuration's video.rtsp_transport "
                                                                "(tcp in default.toml)",
                                                   help="RTSP transport of an rtsp:// source or output (video.rtsp_transport; "
                                                        "rtsps:// is always TCP).")),
    ("preview", bool, typer.Option(False, "--preview", "-p", rich_help_panel=P_SHOW,
                                   help="Show a preview window as well (h in it lists the keys).")),
    ("pace", Optional[bool], typer.Option(None, "--pace/--no-pace", rich_help_panel=P_SHOW,
                                          show_default="paced with --preview, --vcam or a network -o (udp:// ...)",
                                          help="Play a file at its own speed; --no-pace: as fast as possible.")),
    ("vcam", bool, typer.Option(False, "--vcam", rich_help_panel=P_SHOW,
                                help="Send the output to a virtual camera (needs pyvirtualcam, the vcam "
                                     "extra; `livecut devices` says what is missing; setup: "
                                     "docs/virtual-camera.md in the livecut checkout).")),
    ("vcam_device", Optional[str], typer.Option(None, "--vcam-device", metavar="DEVICE", rich_help_panel=P_SHOW,
                                                help="Virtual camera to use, e.g. /dev/video10 (or 10; implies --vcam).")),
    ("config", Optional[str], ConfigOpt),
    ("set_", Optional[List[str]], SetOpt),
    ("quiet", bool, QuietOpt),
]


def _setup_logging(quiet: bool) -> None:
    """livecut's log lines (stream reconnects, negotiated devices) as one line each on stderr."""
    import logging

    logger = logging.getLogger("livecut")
    if not any(getattr(h, "_livecut", False) for h in logger.handlers):
        class _Stderr(logging.StreamHandler):
            """Writes to whatever sys.stderr is now (it may be swapped, e.g. by pytest)."""

            stream = property(lambda self: sys.stderr, lambda self, value: None)

            def emit(self, record) -> None:
                from livecut.progress import print_above

                try:  # (above a progress line drawn on stderr, not glued to its end)
                    if print_above(self.format(record), self.stream):
                        return
                except Exception:
                    self.handleError(record)
                    return
                super().emit(record)

        handler = _Stderr()
        handler.setFormatter(logging.Formatter("livecut: %(message)s"))
        handler._livecut = True  # type: ignore[attr-defined]
        logger.addHandler(handler)  # propagation stays on: embedding apps/pytest still see records
    logger.setLevel(logging.WARNING if quiet else logging.INFO)


def _check_output_given(output: Optional[str]) -> None:
    """-o "$OUT" with OUT unset: it was taken as no -o (livecut cam showed its window and
    recorded nothing, without a word)."""
    if output == "":
        raise UsageError("-o is empty: give a video file, DIR/ (PNG frames), a stream URL or - (standard output)")
    if output == "vcam:":  # ("vcam:$DEV" with DEV unset: the first virtual camera, unsaid, as --vcam-device's)
        raise UsageError("-o vcam: names no device: give vcam:/dev/videoN (see `livecut devices`), or -o vcam "
                         "for the first virtual camera")


def _wants_vcam(opts: dict) -> bool:
    if opts.get("vcam_device") == "":  # ("$DEV" with DEV unset: it was no virtual camera at all, unsaid)
        raise UsageError("--vcam-device is empty: give the virtual camera's device, e.g. /dev/video10 "
                         "(see `livecut devices`), or --vcam for the first one")
    return bool(opts.get("vcam") or opts.get("vcam_device"))


def _vcam_sinks(output: Optional[str], opts: dict) -> tuple:
    """(output, extra_sinks) for -o and --vcam/--vcam-device: -o vcam (vcam:DEVICE) with --vcam
    is one virtual camera, as --vcam alone on the device either names (it opened two: the first
    two loopback devices, or the one named twice, the second refused as busy); -o and
    --vcam-device naming two devices are refused."""
    if not _wants_vcam(opts):
        return output, []
    from livecut.sinks.vcam import device_path

    device = device_path(opts.get("vcam_device"))
    if output:
        from livecut.sinks import sink_kind

        if sink_kind(output) == "vcam":
            named = device_path(output.partition(":")[2] or None)
            if named and device and os.path.realpath(named) != os.path.realpath(device):
                raise UsageError(f"-o {output} and --vcam-device {device} name two virtual cameras: livecut "
                                 "sends to one; give one of them")
            output, device = None, device or named
    return output, [("vcam", {"device": device})]


def _check_video_flags(opts: dict) -> None:
    """--frames and --mode refused as the command line names them (run_video's own messages
    name its arguments, max_frames and mode)."""
    from livecut.composite import MODES

    frames, mode = opts.get("frames"), opts.get("mode")
    if frames is not None and frames < 1:
        raise UsageError("--frames must be at least 1")
    if mode is not None and mode not in MODES:
        from livecut.config import _did_you_mean

        raise UsageError(f"--mode {mode!r}: expected one of {', '.join(MODES)}{_did_you_mean(str(mode), MODES)}")


def _check_rtsp_transport(spec: str, output: Optional[str], transport: Optional[str]) -> None:
    """--rtsp-transport where no rtsp:// stream is read or sent (a file, a camera, an http://
    stream; UDP for an rtsps:// one, always TCP): it was ignored without a word."""
    from livecut.urls import redact_url, url_scheme

    schemes = {url_scheme(spec), url_scheme(output or "")}
    if transport is None or "rtsp" in schemes or (transport == "tcp" and "rtsps" in schemes):
        return
    if "rtsps" in schemes:
        shown = redact_url(spec) if url_scheme(spec) == "rtsps" else redact_url(output, publishing=True)
        raise UsageError(f"--rtsp-transport {transport}: {shown} is always TCP (an rtsps:// stream)")
    neither = f"neither {redact_url(spec)} nor {redact_url(output, publishing=True)} is" if output else f"{redact_url(spec)} is not"
    raise UsageError(f"--rtsp-transport {transport}: the transport of an rtsp:// source or output; "
                     f"{neither} an rtsp:// stream")


def _relabel(text: str, path: str, label: str) -> str:
    """``text`` with ``path`` said as ``label`` (a piped input's file as "-"), where it stands
    whole: not the start of a longer name (a background clip.mp4.mkv beside clip.mp4 was "-.mkv")."""
    return re.sub(re.escape(path) + r"(?![\w.-])", lambda _: label, text)


def _relabel_piped(text: str, path: str, label: str, bare: bool = True) -> str:
    """``text`` (a warning or error of the run of a piped input's file, ``path``) with the file
    said as ``label``, its path and, with ``bare``, its bare name: the ffmpeg command a line
    suggests (an output named after it begins "NAME-") reads it "-" and writes "piped-...".  A
    picture piped in is advised to be saved first: `livecut image` reads no standard input."""
    from livecut.sources.file import PICTURE_ADVICE, PIPED_PICTURE_ADVICE

    text = _relabel(text, path, label).replace(PICTURE_ADVICE, PIPED_PICTURE_ADVICE)
    if not bare:
        return text
    name = Path(path).name  # (no suffix: a temporary copy's)
    return text.replace(f"{name}-", "piped-").replace(name, label)


def _check_not_redirected_from(output: Optional[str], path: Path) -> None:
    """Refuse ``-o`` naming the file standard input is redirected from (``livecut file - -o
    clip.mp4 --force < clip.mp4``), by the output's name: the input's check said it of the input's,
    which a piped input's lines say as "-" ("-: is an input; refusing to write over it")."""
    from livecut.sinks import sink_kind

    if not output or output == "-" or sink_kind(output) != "file":
        return
    try:
        same = os.path.samefile(os.path.expanduser(output), path)
    except OSError:  # (no file there yet, or none that can be looked at: the run says it)
        return
    if same:
        raise OutputExistsError(f"{output}: is the input (standard input is redirected from it); "
                                "refusing to write over it")


def _run_video(spec: str, output: Optional[str], opts: dict, label: Optional[str] = None,
               cfg: Optional[Config] = None, **kwargs) -> None:
    """Shared body of cam/file/run: config (``cfg`` where the command has read it already),
    run_video, summary line (the input named ``label`` when given)."""
    from livecut.runner import finalize_on_signals, run_video

    _setup_logging(bool(opts.get("quiet")))
    # (-b is applied to the configuration too, as `image` and `batch` do: an error in it names
    # the option; run_video still takes it as given)
    if cfg is None:
        cfg = get_config(opts.get("config"), opts.get("set_"), video__rtsp_transport=opts.get("rtsp_transport"),
                         composite__background=opts.get("background"))
    _check_video_flags(opts)
    _check_rtsp_transport(spec, output, opts.get("rtsp_transport"))
    given = output
    _scrub_output(output)
    output, vcam = _vcam_sinks(output, opts)
    if vcam:
        kwargs["extra_sinks"] = vcam
    elif not output and not opts.get("preview") and not kwargs.get("live"):
        from livecut.sources import source_kind

        if source_kind(spec) == "file":  # (`livecut run clip.mp4`: as run_video refuses it, in its words)
            raise UsageError("nothing to write: give -o OUTPUT (a video file or DIR/), --vcam and/or --preview")
    # (as `livecut image` says it; the preview's b key starts from -b, so it is used there)
    if not opts.get("preview"):
        _warn_background_ignored(opts.get("mode"), opts.get("background"), cfg.composite.mode)
    if opts.get("force"):  # (it was ignored without a word where no file is written)
        from livecut.sinks import sink_kind
        from livecut.urls import redact_url

        if not output or sink_kind(output) != "file":  # (-o vcam: a virtual camera, no file)
            shown = f"-o {redact_url(given, publishing=True)}" if given else "no -o"
            typer.echo(f"livecut: warning: --force ignored: no file is written ({shown})", err=True)

    told = []  # (the background's warning, once said)

    def background() -> str | None:  # (once for the run)
        from livecut.images import background_warning

        if told:
            return None
        told.append(True)
        return background_warning(cfg, opts.get("background"), opts.get("mode"), video=True)

    def started(_pipe) -> None:
        # (-b image:bg.png with transparency: said once the whole video was cut, minutes later,
        # and not at all at Ctrl-C; now before the first frame, above the bar)
        several = background()
        if several:
            err(several, "warning")

    def warn(warnings: List[str]) -> None:
        several = background()
        for w in warnings:
            if label:  # (a piped input's temporary copy: its name means nothing to the user)
                w = _relabel_piped(w, spec, label)
            err(w, "warning")  # (escaped: a newline in the file's name broke the line)
        if several:  # (the background's, by the name it was given: not relabelled, even when it is
            err(several, "warning")  # the redirected input's file, `-b image:a.gif < a.gif`)

    from livecut._entry import command_over

    # SIGTERM/SIGHUP finalize the output like Ctrl-C; once the run's outputs are finalized, the
    # command is over: a signal from then on leaves its summary and its code (ends_command)
    with finalize_on_signals(ends_command=True):
        try:
            stats = run_video(spec, output, cfg, mode=opts.get("mode"), background=opts.get("background"),
                              max_frames=opts.get("frames"), preview=bool(opts.get("preview")),
                              pace=opts.get("pace"), force=bool(opts.get("force")),
                              progress=not opts.get("quiet"), on_start=started, **kwargs)
        except LivecutError as exc:
            # (its run over, failed or stopped: a signal from here on leaves its line and its code,
            # in the block too, which leaves the signals so -- see _failed)
            _failed()
            # a run that ended early with its outputs kept (a camera or stream lost, a video cut
            # short): what it noted is said too, before the error line, as after a run that ends
            if getattr(exc, "warnings", None) is not None:
                warn(list(exc.warnings))
            raise
        # (the run is over, its outputs finalized: a signal from here on leaves its summary and its
        # code -- in the block, which leaves the signals so: one between the outputs put in place
        # and here said a bare 'interrupted', exit 130, the output whole)
        command_over()
    warn(stats.warnings)
    if not opts.get("quiet"):
        from livecut.sources import source_kind
        from livecut.urls import redact_url

        # (null: is shown without its colon: "-> null:: 75 frames" read as a typo; -, standard
        # output, as the other lines name it: "-> -: 3 frames" read as a typo too)
        shown = ("null" if output and output.strip().lower() == "null:"
                 else "stdout" if output == "-" else redact_url(output or "", publishing=True))
        where = f" -> {shown}" if output else ""
        # (a camera named as its error lines name it: "0 -> rec.mp4" read as a file named 0)
        source = label or (f"camera {spec}" if source_kind(spec) == "camera" else redact_url(spec))
        typer.echo(_one_line(f"{source}{where}: {stats.summary()}"), err=True)


@command(cls=_Command, rich_help_panel=VIDEO)
@video_options("pace", "rtsp_transport")
def cam(
    index: str = typer.Argument("0", metavar="INDEX", show_default="0",
                                help="Camera index (0 = the first camera) or its device, /dev/videoN."),
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="OUTPUT", rich_help_panel=P_OUTPUT,
                                         help="Record to a video file or DIR/, or send to a stream URL or - (see "
                                              "`livecut file --help`); the preview window is then shown only "
                                              "with --preview."),
    size: Optional[str] = typer.Option(None, "--size", metavar="WxH", rich_help_panel=P_INPUT,
                                       show_default="the camera's",
                                       help="Capture size, e.g. 1280x720."),
    fps: Optional[str] = typer.Option(None, "--fps", metavar="FPS", rich_help_panel=P_INPUT,
                                      show_default="the camera's",
                                      help="Capture frame rate, e.g. 30, 29.97 or 30000/1001."),
    fourcc: str = typer.Option("auto", "--fourcc", metavar="auto|MJPG|YUYV", rich_help_panel=P_INPUT,
                               help="Camera pixel format. auto: MJPG when the camera's default format "
                                    "(YUYV on most USB webcams, often 5-10 fps at 1280x720 and above) "
                                    "does not give --size/--fps and MJPG gives more (Linux); MJPG or "
                                    "YUYV: that one."),
    opts: dict = None,
) -> None:
    """Live webcam preview (q or Esc quits, h lists the keys), recording or virtual camera."""
    from livecut.bench import parse_size

    from livecut.sources.camera import camera_index

    opts = dict(opts or {})
    # (the device too, /dev/video0, as `livecut devices` lists it and `livecut run` takes it: it
    # was "Invalid value for 'INDEX': Input should be a valid integer")
    number = camera_index(index)
    if number is None:
        if re.fullmatch(r"\s*-\d+\s*", index):  # (`livecut cam -- -1` was taken for a file named -1)
            raise UsageError(f"camera index {index.strip()}: expected 0 or more (see `livecut devices`)")
        import shlex

        from livecut.urls import redact_url, url_scheme

        # (`livecut cam clip.mp4`, `livecut cam rtsp://...`: the command that reads it is named)
        if url_scheme(index):
            instead = f"; a stream is read by livecut run: livecut run {shlex.quote(redact_url(index))} -o OUT.mp4"
        elif os.path.isfile(os.path.expanduser(index)):
            from livecut.imageio import IMAGE_EXTS

            photo = os.path.splitext(index)[1].lower() in IMAGE_EXTS
            instead = (f"; {index} is a file: livecut {'image' if photo else 'file'} {shlex.quote(index)} "
                       f"-o {'cut.png' if photo else 'OUT.mp4'}")
        else:
            instead = " (see `livecut devices`)"
        raise UsageError(f"camera {redact_url(index)!r}: expected an index (0 = the first camera) or /dev/videoN"
                         + instead)
    from livecut.sources.camera import FOURCCS, parse_fps

    rate = parse_fps(fps) if fps is not None else None

    asked = next((f for f in FOURCCS if f.lower() == fourcc.strip().lower()), None)
    if asked is None:
        raise UsageError(f"--fourcc {fourcc}: expected {', '.join(FOURCCS[:-1])} or {FOURCCS[-1]}")
    _check_output_given(output)
    if not output and not _wants_vcam(opts):
        opts["preview"] = True
    _run_video(str(number), output, opts, size=parse_size(size) if size is not None else None, fps=rate,
               source_options={"fourcc": asked})


@command(name="file", cls=_Command, rich_help_panel=VIDEO)
@video_options("rtsp_transport")
def file_(
    input: str = typer.Argument(..., help="Video file to process, or - for a video piped into standard input.",
                                metavar="INPUT"),
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="OUTPUT", rich_help_panel=P_OUTPUT,
                                         help=".mp4/.m4v/.mkv/.avi (H.264), .mov (ProRes 4444 if transparent), "
                                              ".webm (VP9), DIR/ for PNG frames, - for a NUT/MPEG-TS "
                                              "stream on stdout, a udp:// tcp:// srt:// rtsp:// rtsps:// rtmp:// rtmps:// URL, or null: "
                                              "(nothing, to measure). Audio is copied, or transcoded when "
                                              "the container cannot hold it."),
    opts: dict = None,
) -> None:
    """Transcode a recorded video: cut out the subject, replace or remove the background."""
    from livecut.sources import source_kind
    from livecut.urls import is_input_url, redact_url

    if not input:  # ("$IN" with IN unset: it was '.: is a folder, not a video file')
        raise UsageError("INPUT is empty: give a video file (- for a pipe)")
    spec = input
    if input != "-" and input.strip().isdecimal() and os.path.lexists(input):
        # (a file named as a camera index, a recorder's or a download's bare number: `livecut
        # file 5` said "5: not a file (use `livecut run` ...)"; livecut file reads files only)
        spec = os.path.join(".", input)
    if input != "-" and (source_kind(spec) != "file" or is_input_url(spec)):
        raise UsageError(f"{redact_url(input)}: not a file (use `livecut run` for cameras and streams)")
    _check_output_given(output)
    if not output and not _wants_vcam(opts or {}) and not (opts or {}).get("preview"):
        raise UsageError("nothing to write: give -o OUTPUT, --vcam and/or --preview")
    if input == "-":  # a video piped in: kept in a temporary file, then read as one
        from livecut.runner import finalize_on_signals
        from livecut.sources.stdin import SPOOL_PREFIX, spooled_stdin

        from livecut.runner import check_video_args

        # what would be refused after the run is refused before the pipe is read to its end (a
        # missing display or virtual camera too: it was said once a producer that never ends,
        # a capture, had ended)
        o = opts or {}
        _check_config_not_stdin(o.get("config"), "the video (INPUT -)")
        cfg = get_config(o.get("config"), o.get("set_"), composite__background=o.get("background"))
        _check_video_flags(o)
        written, vcam = _vcam_sinks(output, o)  # (-o vcam --vcam: one virtual camera)
        check_video_args(cfg, written, mode=o.get("mode"),
                         background=o.get("background"), force=bool(o.get("force")),
                         preview=bool(o.get("preview")), extra_sinks=vcam)
        # (SIGTERM/SIGHUP while the pipe is read: the copy is removed, as on Ctrl-C)
        with finalize_on_signals(), spooled_stdin() as path:
            _check_not_redirected_from(output, path)
            try:
                # (the configuration read above: read again, a pipe's, -c <(...), was empty -- the
                # defaults used without a word)
                _run_video(str(path), output, o, label="-", cfg=cfg)
            except LivecutError as exc:  # (the copy's name means nothing to the user)
                # (nor its bare name, in an ffmpeg command the line suggests; a file redirected
                # from keeps its own there, and in a longer name: a background clip.mp4.mkv)
                if not isinstance(exc, OutputExistsError):  # (which names the output: a file redirected
                    # from, written over, was '-: is an input', standard output '... is -, an input')
                    exc.args = (_relabel_piped(str(exc), str(path), "-", bare=path.name.startswith(SPOOL_PREFIX)),
                                *exc.args[1:])
                raise
        return
    _run_video(str(spec), output, opts or {})  # (said as ./5, as `livecut run ./5` reads it)


@command(cls=_Command, rich_help_panel=VIDEO)
@video_options()
def run(
    source: str = typer.Argument(..., metavar="SOURCE",
                                 help="Camera index, rtsp:// rtsps:// http(s):// udp:// tcp:// srt:// rtmp:// "
                                      "rtmps:// URL, or a file."),
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="OUTPUT", rich_help_panel=P_OUTPUT,
                                         help="Video file, DIR/ or stream URL (see `livecut file --help`)."),
    opts: dict = None,
) -> None:
    """Process any source: an integer is a camera, a URL a network stream, anything else a file."""
    if not source:  # (as livecut file's INPUT: it was '.: is a folder, not a video file')
        raise UsageError("SOURCE is empty: give a camera index, a URL or a file")
    if source == "-" and not os.path.lexists("-"):  # (it was '-: no such file')
        raise UsageError("-: livecut run reads a camera, a stream or a file, not standard input: "
                         "`livecut file -` reads a video piped in")
    _check_output_given(output)
    try:
        _run_video(source, output, opts or {})
    except VideoOpenFailure as exc:
        # (an integer is a camera: `livecut run 5` beside a file named 5 said "camera 5: not
        # found" without a word of the file)
        if source.isdecimal() and str(exc).startswith((f"camera {int(source)}: not found",
                                                       f"camera {int(source)}: cannot open")) \
                and os.path.lexists(source):
            exc.args = (f"{exc}; a file named {source} is here: give ./{source} to read it", *exc.args[1:])
        raise


# ---------------------------------------------------------------- entry point

class _Wrapped:
    """A text stream that passes everything to ``stream`` but what a subclass changes."""

    def __init__(self, stream):
        self._stream = stream

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)


class _Tolerant(_Wrapped):
    """Standard error that never fails a run: a message that cannot be written (stderr closed,
    ``2>&1 | true``) is dropped -- the outputs and the exit code stand."""

    def write(self, text):
        try:
            return self._stream.write(text)
        except (OSError, ValueError):
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except (OSError, ValueError):
            pass


class _Written(_Wrapped):
    """Standard output that says a failed write as one: what eval, bench, methods, devices and
    the help pages print, sent to a full disk (`> /dev/full`), was 'internal error: OSError:
    [Errno 28] No space left on device (set LIVECUT_DEBUG=1 for a traceback)';
    it is a :class:`WriteError` (exit 1), as for ``-o -``.  A reader that closed the pipe
    (``| true``) ends it with exit 1 and no word, as before."""

    def write(self, text):
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise WriteError(f"stdout: writing failed: {exc.strerror or exc}") from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise WriteError(f"stdout: writing failed: {exc.strerror or exc}") from None


class _Scrubbed(_Wrapped):
    """A text stream that redacts URLs and removes the command line's secrets from all it is
    given: messages, log lines, tracebacks, Typer's own usage errors (binary output such as
    ``-o -`` goes through ``.buffer``, untouched); livecut's own words stay whole (see
    ``scrub_message``: a stream key "stream" made "cannot start the ***")."""

    def __init__(self, stream, secrets: List[str]):
        super().__init__(stream)
        self._secrets = list(secrets)

    def learn(self, secrets: List[str]) -> None:
        """Scrub ``secrets`` too from now on (an output's, see :func:`_scrub_output`)."""
        self._secrets = sorted(set(self._secrets) | set(secrets), key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """``text`` as :meth:`write` writes it."""
        from livecut.urls import scrub_message

        return scrub_message(text, self._secrets) if self._secrets else text

    def write(self, text):
        if isinstance(text, str):  # (no secret: passed as it is, as without the filter)
            text = self.scrub(text)
        return self._stream.write(text)


def _scrub_output(output: Optional[str]) -> None:
    """The run's output, as the command has it (``-o URL``, ``--output=URL``, ``-qo URL``: every
    form Typer takes), told to the stderr filter (see :func:`main`): its secrets as an output's
    (an SRT stream ID that is the stream key, see ``redact_url``) are scrubbed from every message,
    a server's reply or a warning that quotes one bare -- the command line read before Typer knew
    ``-qo URL`` for no output, and scrubbed none of such a key."""
    if not output:
        return
    from livecut.urls import is_output_url, url_secrets

    if not is_output_url(output):
        return
    found = url_secrets(output, publishing=True)
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, _Scrubbed) and found:
            stream.learn(found)


def _argv_secrets(argv: List[str]) -> List[str]:
    """Passwords and secret query values of every URL on the command line (of an output's,
    ``-o URL``, its SRT stream ID that is the stream key too: see ``redact_url``)."""
    from livecut.urls import _URL_IN_TEXT, url_secrets

    found: set = set()
    before = ""
    for arg in argv:
        arg = str(arg)
        output = before in ("-o", "--output") or arg.startswith(("--output=", "-o"))
        for m in _URL_IN_TEXT.finditer(arg):
            found.update(url_secrets(m.group(0), publishing=output))
            # (and up to the argument's end: a password or key with a space, which ends a URL in
            # text, "rtsp://admin:ab cd@cam/x" -- its password was learnt as none)
            found.update(url_secrets(arg[m.start():], publishing=output))
        before = arg
    return sorted(found, key=len, reverse=True)


def _exit_now_if_an_open_waits(code: object) -> None:
    """A signal stopped a run while a stream was being opened: the helper thread of that open
    still waits inside FFmpeg, whose timeout callback takes the GIL; Python's shutdown would
    let it back into an interpreter being torn down (a crash, seen as SIGSEGV). Its outputs
    are finalized already: the process ends here, with its exit code."""
    import threading

    # (the stream module only if a stream was opened: importing it here, after a Ctrl-C that
    # landed while numpy was being imported, raised ImportError "cannot load module more
    # than once per process" past the one-line message)
    stream = sys.modules.get("livecut.sources.stream")
    camera = sys.modules.get("livecut.sources.camera")  # (a camera's first read, in OpenCV)
    # (also a writer or a closing left blocked in a sink whose reader stopped reading: the
    # pipeline abandoned it, and it must not be finalized under that write at shutdown)
    # (and a reader the run ended without waiting for, in a read that outlasted its source's
    # close -- a file on a slow mount, a big frame's decoding on a busy machine: back from
    # OpenCV's or FFmpeg's code into an interpreter being torn down, it ended the process after
    # its output was finalized and said, "terminate called without an active exception", exit
    # 134, or a segmentation fault, -11; likewise an output stream's open)
    # (and `livecut devices --probe`'s open of a camera that did not answer in time, left in
    # OpenCV's code: said 'no answer within 3 s', then 'terminate called without an active
    # exception', exit 134)
    devices = sys.modules.get("livecut.devices")
    # (and a picture's encoder, left by a Ctrl-C in a huge PNG's encoding: see livecut.imageio._encode)
    imageio = sys.modules.get("livecut.imageio")
    waiting = {getattr(stream, "OPEN_THREAD", None), getattr(camera, "OPEN_THREAD", None), "livecut-writer",
               "livecut-close", "livecut-reader", "livecut-stream-open",
               getattr(devices, "PROBE_THREAD", None), getattr(imageio, "ENCODE_THREAD", None)} - {None}
    if not any(t.name in waiting and t.is_alive() for t in threading.enumerate()):
        return
    for f in (sys.stdout, sys.stderr):
        try:
            if f is not None:
                f.flush()
        except (OSError, ValueError, WriteError):  # (WriteError: standard output's, see _Written)
            pass
    os._exit(code if isinstance(code, int) else (0 if code is None else 1))


def _on_the_way_out(code: object) -> None:
    """What the process does once its exit code is set: signals that stopped a run are ignored
    from here on (a repeated SIGTERM during Python's shutdown: still 143), and a stream's open
    still waiting ends the process now (:func:`_exit_now_if_an_open_waits`)."""
    runner = sys.modules.get("livecut.runner")  # (imported if a run was started)
    if runner is not None:
        runner.ignore_signals_on_the_way_out()
    _exit_now_if_an_open_waits(code)


def _utf8_if_ascii(stream) -> None:
    """A standard stream in ASCII (LC_ALL=C with Python's UTF-8 mode off, ``-X utf8=0``) is
    made UTF-8, as Python makes it in that locale by default and as click writes to one: click
    took such a stream for misconfigured and wrote to the file under it, past the filters
    :func:`main` puts in front -- an argument's secret was said bare ('--set 'hunter2=1': the
    key must be ...'), and a closed or full stderr (``2>&-``, ``2>&1 | true``) failed a run
    that was complete, exit 1."""
    import codecs

    try:
        ascii_ = codecs.lookup(getattr(stream, "encoding", None) or "").name == "ascii"
    except LookupError:
        return
    if ascii_ and hasattr(stream, "reconfigure"):
        try:
            stream.reconfigure(encoding="utf-8", errors=stream.errors)
        except (OSError, ValueError, AttributeError):
            pass


def _escapes_what_it_cannot_encode(stream) -> None:
    """Standard output in an encoding that cannot write every character (Windows' cp1252 into a
    file, PYTHONIOENCODING=latin-1) writes one it cannot as an escape, ``\\u65e5``, as standard
    error does: `livecut eval` of a photo named 日本.jpg said 'internal error: UnicodeEncodeError:
    'latin-1' codec can't encode characters', its results lost."""
    if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (OSError, ValueError, AttributeError):
            pass


def main(argv: Optional[List[str]] = None) -> None:
    """Console-script entry point."""
    secrets = _argv_secrets(sys.argv[1:] if argv is None else list(argv))
    saved = sys.stdout, sys.stderr
    for stream in saved:
        _utf8_if_ascii(stream)
    _escapes_what_it_cannot_encode(sys.stdout)
    if sys.stderr is not None:
        sys.stderr = _Tolerant(sys.stderr)
    if sys.stdout is not None:
        sys.stdout = _Written(sys.stdout)
    # (with no secret on the command line too: the run's output may tell it some, see _scrub_output)
    sys.stdout = _Scrubbed(sys.stdout, secrets) if sys.stdout is not None else None
    sys.stderr = _Scrubbed(sys.stderr, secrets) if sys.stderr is not None else None
    try:
        app(args=argv, prog_name="livecut")
    except SystemExit as exc:
        _on_the_way_out(exc.code)
        raise
    except WriteError as exc:  # (standard output failing outside a command: a --help page)
        _failed()
        err(str(exc))
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug: one line unless LIVECUT_DEBUG=1
        if _debug():
            traceback.print_exc()  # through the scrubbed stderr
        stop = interrupt_under(exc)
        if stop is not None:  # a Ctrl-C or a signal wrapped by Python itself (see interrupt_under)
            err(stop_text(stop))
            code = getattr(stop, "exit_code", 130)
            _on_the_way_out(code)
            sys.exit(code)
        _failed()
        err(f"internal error: {type(exc).__name__}: {exc} (set LIVECUT_DEBUG=1 for a traceback)")
        # (as any other end: a reader left in OpenCV's code then ended the process after the
        # line, 'terminate called without an active exception', exit 134)
        _on_the_way_out(1)
        sys.exit(1)
    finally:
        sys.stdout, sys.stderr = saved
