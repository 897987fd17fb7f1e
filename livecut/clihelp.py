"""livecut's ``--help`` pages and usage errors (rich), drawn from the command's parameters.

Typer's own help shows a type placeholder on every option (``<bool>``, ``<str>``,
``<int range> [x>=1]``) and marks arguments in the usage line with ``{}``.  Here each
option shows its metavar (``-o, --output FILE``) or nothing for a flag, its default,
and sits in the panel its ``rich_help_panel`` names; the usage line reads
``livecut image [OPTIONS] -o OUTDIR INPUT...``; commands are grouped the same way.
Only click's stable parameter attributes are read (``opts``, ``secondary_opts``,
``metavar``, ``help``, ``default``, ``show_default``, ``required``, ``nargs``,
``is_flag``), so the pages do not depend on Typer's internals.

A usage error (a missing argument, an unknown option) becomes one line on stderr,
``livecut: error: ...``, like every other error, with the exit code 2.
"""

from __future__ import annotations

import dataclasses
import io
import os
import sys
from typing import Any, Iterable

#: panel of parameters and commands that name none
DEFAULT_PANEL = "Options"


def _is_argument(param: Any) -> bool:
    return getattr(param, "param_type_name", "") == "argument"


def _metavar(param: Any) -> str:
    mv = getattr(param, "metavar", None)
    if mv:
        return str(mv)
    name = (getattr(param, "name", None) or "value").upper()
    return f"{name}..." if _is_argument(param) and getattr(param, "nargs", 1) != 1 else name


def _usage_piece(param: Any) -> str:
    mv = _metavar(param)
    if getattr(param, "nargs", 1) != 1 and not mv.endswith("..."):
        mv += "..."
    return mv if getattr(param, "required", False) else f"[{mv}]"


def usage(ctx: Any, command: Any) -> str:
    """``livecut file [OPTIONS] INPUT``; required options are spelled out."""
    pieces = [ctx.command_path, "[OPTIONS]"]
    params = command.get_params(ctx)
    for p in params:
        if not _is_argument(p) and getattr(p, "required", False):
            pieces.append(f"{min(p.opts, key=len)} {_metavar(p)}")
    if hasattr(command, "list_commands"):
        pieces.append("COMMAND [ARGS]...")
    pieces.extend(_usage_piece(p) for p in params if _is_argument(p))
    return " ".join(pieces)


def option_label(param: Any) -> str:
    """``-o, --output FILE``, ``--pace / --no-pace``, ``INPUT...``."""
    if _is_argument(param):
        return _metavar(param)
    label = ", ".join(sorted(param.opts, key=lambda o: (not o.startswith("--"), len(o)), reverse=True))
    if param.secondary_opts:
        label += " / " + ", ".join(param.secondary_opts)
    if not getattr(param, "is_flag", False) and not getattr(param, "count", False):
        label += f" {_metavar(param)}"
    return label


def default_text(param: Any) -> str | None:
    """What ``[default: ...]`` says: a string ``show_default`` as is; else the default value,
    except for flags (off unless given) and empty defaults."""
    sd = getattr(param, "show_default", None)
    if isinstance(sd, str):
        return sd
    if not sd or getattr(param, "is_flag", False) or getattr(param, "required", False):
        return None
    d = getattr(param, "default", None)
    if d is None or d == () or d == [] or callable(d):
        return None
    return str(getattr(d, "value", d))


def param_help(param: Any) -> str:
    text = (getattr(param, "help", None) or "").strip()
    extra = []
    d = default_text(param)
    if d:
        extra.append(f"default: {d}")
    if getattr(param, "required", False) and not _is_argument(param):
        extra.append("required")
    if extra:
        text += f"  [{'; '.join(extra)}]"
    return text


def _panels(items: Iterable[Any], default: str, order: Iterable[str] = ()) -> dict[str, list[Any]]:
    """Items by panel: the panels named in ``order`` first, then the others as they come."""
    out: dict[str, list[Any]] = {name: [] for name in order}
    for item in items:
        out.setdefault(getattr(item, "rich_help_panel", None) or default, []).append(item)
    return {name: group for name, group in out.items() if group}


def _width() -> int:
    """COLUMNS, else the width of the terminal standard output, error or input is (a page piped
    into a pager, `livecut file --help | less`, was drawn 100 wide on an 80-column terminal, its
    boxes broken), else 100; within 60 .. 120."""
    try:
        cols = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        cols = 0
    if cols <= 0:  # (unset, or COLUMNS=0: no width said; a page was drawn 60 wide on a 110-column terminal)
        cols = 100
        for fd in (1, 2, 0):
            try:
                size = os.get_terminal_size(fd).columns
            except (OSError, ValueError):
                continue
            if size > 0:
                cols = size
                break
    return max(60, min(cols, 120))


def _epilog_lines(line: str, width: int) -> list[str]:
    """An epilog line fitted to ``width``: an example's description (the text after its
    command's column, two spaces or more) wrapped in its own column, or under its command where
    that column leaves it too little room (`livecut --help` on an 80-column terminal had
    "keep the audio" wrapped to the left edge, under the commands)."""
    import re
    import textwrap

    if len(line) <= width:
        return [line]
    m = re.match(r"( *)(\S.*?\S) {2,}(\S.*)$", line)
    if not m:
        return textwrap.wrap(line, width, subsequent_indent=" " * (len(line) - len(line.lstrip())))
    col = len(line) - len(m.group(3))
    if width - col >= 20:
        return textwrap.wrap(line, width, subsequent_indent=" " * col)
    indent = " " * (len(m.group(1)) + 4)
    return [m.group(1) + m.group(2), *textwrap.wrap(m.group(3), width, initial_indent=indent, subsequent_indent=indent)]


def render_help(ctx: Any, command: Any) -> str:
    """The whole help page of a command or of the group, as text (ANSI colours on a terminal)."""
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table

    class Page(io.StringIO):
        # (the encoding of the standard output it goes to: one that is not UTF-8, Windows' cp1252
        # into a file, PYTHONIOENCODING=latin-1, has the boxes drawn in ASCII, as rich draws them
        # there; they were 'internal error: UnicodeEncodeError', then '\u256d\u2500 Options')
        encoding = getattr(sys.stdout, "encoding", None) or "utf-8"

    buf = Page()
    # (sys.stdout is None where standard output was closed, `livecut --help >&-`: it was
    # 'internal error: AttributeError')
    tty = sys.stdout is not None and sys.stdout.isatty() and os.environ.get("NO_COLOR", "") == ""
    con = Console(file=buf, width=_width(), force_terminal=tty, no_color=not tty, highlight=False,
                  emoji=False)
    con.print(f"[bold]Usage:[/] {escape(usage(ctx, command))}")
    con.print()
    if command.help:
        for para in command.help.strip().split("\n\n"):
            con.print(" " + escape(" ".join(para.split())))
        con.print()

    def panel(title: str, rows: list[tuple[str, str]]) -> None:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column(overflow="fold")  # (a word wider than the column, a path, was cut short with "…")
        for left, right in rows:
            table.add_row(escape(left), escape(right))
        con.print(Panel(table, title=title, title_align="left", border_style="dim", box=box.ROUNDED))

    params = command.get_params(ctx)
    args = [p for p in params if _is_argument(p) and getattr(p, "help", None)]
    if args:
        panel("Arguments", [(option_label(p), param_help(p)) for p in args])
    if hasattr(command, "list_commands"):
        cmds = [command.get_command(ctx, n) for n in command.list_commands(ctx)]
        cmds = [c for c in cmds if c is not None and not getattr(c, "hidden", False)]
        for title, group in _panels(cmds, "Commands", getattr(command, "panel_order", ())).items():
            panel(title, [(c.name, c.get_short_help_str(limit=90)) for c in group])
    opts = [p for p in params if not _is_argument(p) and not getattr(p, "hidden", False)]
    helpopt = [p for p in opts if "--help" in p.opts]
    panels = _panels([p for p in opts if p not in helpopt], DEFAULT_PANEL,
                     getattr(ctx.find_root().command, "option_panel_order", ()))
    panels.setdefault(DEFAULT_PANEL, []).extend(helpopt)
    for title, group in panels.items():
        panel(title, [(option_label(p), param_help(p)) for p in group])
    if command.epilog:
        con.print()
        for line in command.epilog.strip("\n").splitlines():
            for piece in _epilog_lines(" " + line.rstrip(), con.width) if line.strip() else [""]:
                con.print(escape(piece))
    return buf.getvalue().rstrip("\n")


def usage_error_line(exc: Any, argv: Iterable[str] = ()) -> str | None:
    """One line for a click/Typer usage error (None: not one); ``argv``: the command line."""
    if not (hasattr(exc, "format_message") and hasattr(exc, "exit_code")):
        return None
    mod = type(exc).__module__
    if not mod.startswith(("click", "typer")):
        return None
    name = getattr(exc, "option_name", None)
    unknown = name if type(exc).__name__ == "NoSuchOption" else None  # (not '--frames requires an argument')
    if unknown and getattr(exc, "possibilities", None) and isinstance(getattr(exc, "message", None), str):
        # (the Typer 0.26.0 to 0.26.7 that pyproject.toml allows said them as a tuple: "No such
        # option: --forc ('(Possible options: --force)',)"; said here as later versions say them)
        msg = f"{exc.message} (Possible options: {', '.join(sorted(exc.possibilities))})"
    else:
        msg = str(exc.format_message())
    msg = " ".join(msg.split())
    ctx = getattr(exc, "ctx", None)
    command = getattr(getattr(ctx, "command", None), "name", None)
    if (unknown and command in ("cam", "run") and unknown[1:].isdigit() and unknown[1:].isascii()
            and not os.path.lexists(unknown)):  # (a file -1 here: said to name it ./-1, below)
        # (`livecut cam -1`, a camera's index below 0: "No such option: -1", where `livecut cam -- -1` says this)
        return f"camera index {unknown}: expected 0 or more (see `livecut devices`)"
    number = _bad_number_line(exc, msg) if type(exc).__name__ == "BadParameter" else None
    if number:  # (livecut's own wording, as `livecut file -n 0` says "--frames must be at least 1")
        return _as_livecut_escapes(number)
    case = _option_case_hint(unknown, ctx, msg) if unknown and ctx is not None else ""
    if case:
        msg += case
    elif name in ("--method", "--methods"):  # (the way to it was said nowhere)
        msg += "; a segmentation method is chosen with --set segment.method=NAME (`livecut methods` lists them)"
    elif unknown and ctx is not None and any("--set" in p.opts for p in ctx.command.params):
        msg += _config_option_hint(name)
    elif unknown and ctx is not None and hasattr(ctx.command, "commands"):
        msg += _after_the_command_hint(name, ctx.command, argv)
    elif ctx is not None and "unexpected extra argument" in msg:
        msg += _output_hint(msg, ctx, argv)
    elif ctx is not None and type(exc).__name__ == "MissingParameter" and "-o" in getattr(exc.param, "opts", ()):
        hint = _last_input_output_hint(ctx)
        msg = msg.rstrip(".") + hint if hint else msg
    elif ctx is not None and hasattr(ctx.command, "commands") and msg in _AS_OPTION:
        msg = msg.rstrip(".") + _as_option_hint(msg, ctx, argv)
    elif ctx is not None and hasattr(ctx.command, "commands") and msg.startswith("No such command '") \
            and msg.endswith("'."):
        msg += _other_case_hint(msg, ctx.command)
    given = [a for a in argv if isinstance(a, str)]
    if (name in ("-b", "--background") and type(exc).__name__ == "BadOptionUsage" and given
            and given[-1] == name):
        # (`-b #00ff00` unquoted: the shell takes # for a comment, and -b came last, with no value)
        msg = (msg.rstrip(".") + "; a colour written #RRGGBB is quoted, -b '#00ff00', or written "
               "-b color:#00ff00 (unquoted, the shell takes # and what follows for a comment)")
    if unknown and ctx is not None and msg.endswith(f"No such option: {unknown}"):  # (nothing said of it yet)
        msg += _other_command_hint(unknown, ctx)
    hint = _dash_file_hint(argv)
    if hint:
        msg = msg.rstrip(".") + hint
    if ctx is not None:
        msg += f" (see '{ctx.command_path} --help')"
    return _as_livecut_escapes(msg)


def _other_command_hint(name: str, ctx: Any) -> str:
    """The commands that have an option a command has not (``livecut image a.jpg -o cut/
    --preview``, ``livecut file ... --jobs 4``, ``livecut file --version`` said "No such option"
    alone, as if livecut had none)."""
    parent = getattr(ctx, "parent", None)
    group = getattr(parent, "command", None)
    if group is None or not hasattr(group, "commands"):
        return ""

    def has(command: Any) -> bool:
        return any(name in (*p.opts, *p.secondary_opts) for p in getattr(command, "params", ()))

    if has(group):
        return f"; {name} is an option of livecut itself: livecut {name}"
    others = [n for n, c in group.commands.items() if not getattr(c, "hidden", False) and n != ctx.command.name
              and has(c)]
    if not others:
        return ""
    names = ", ".join(others[:-1]) + " and " + others[-1] if len(others) > 1 else others[0]
    if name == "--skip-existing" and ctx.command.name == "batch":
        # (`livecut batch shoot/ -o cut/ --skip-existing`, to go on after a stop: whether batch
        # would then do everything again was left unsaid)
        return (f"; {name} is an option of livecut {names}: livecut batch skips the items it did before "
                "without it (OUTDIR/livecut-batch.jsonl records them) and leaves an output it did not write, "
                "its item failed (--force overwrites it)")
    return f"; {name} is an option of livecut {names}, not of livecut {ctx.command.name}"


def _bad_number_line(exc: Any, msg: str) -> str | None:
    """livecut's line for an option's value that is no number or out of its range (``--frames
    clip.mp4`` said "Invalid value for '--frames' / '-n': Input should be a valid integer, unable
    to parse string as an integer"; Click's own words, of the Typers before 0.29: "'clip.mp4' is
    not a valid integer."); None for another message."""
    import re

    param = getattr(exc, "param", None)
    opts = [o for o in getattr(param, "opts", ()) if o.startswith("-")]
    if not opts:
        return None
    name = next((o for o in opts if o.startswith("--")), opts[0])
    cause = exc.__cause__
    errors = cause.errors() if hasattr(cause, "errors") and callable(cause.errors) else []
    value = errors[0].get("input") if errors and isinstance(errors[0], dict) else None
    if value is None:
        given = re.match(r"(?:Invalid value for .*?: )?'(.*)' is not a valid", msg)
        value = given[1] if given else None
    whole = re.search(r"valid integer|is not a valid integer", msg)
    if whole or re.search(r"valid number|is not a valid float", msg):
        kind = "a whole number" if whole else "a number"
        return f"{name} {value!r}: expected {kind}" if isinstance(value, str) else f"{name}: expected {kind}"
    bound = re.search(r"(greater|less) than or equal to (-?[\d.]+)|x(>=|<=)(-?[\d.]+)", msg)
    if bound:
        low = bound[1] == "greater" or bound[3] == ">="
        return f"{name} must be at {'least' if low else 'most'} {bound[2] or bound[4]}"
    return None


def _as_livecut_escapes(msg: str) -> str:
    """``msg`` with what click escaped in a name written as livecut's messages write it (see
    :func:`livecut.errors.one_line`, which the line goes through): an unknown option's newline was
    ``--fo\\x0ao`` where an unknown command's was ``'fi\\nle'`` and a --set key's ``'a\\nb'``; a
    byte that is not UTF-8 was ``'caf\\udce9'`` in a command's name, ``\\xe9`` elsewhere."""
    import re

    msg = re.sub(r"(?<!\\)\\x(0[0-8]|0[a-f]|1[0-9a-f]|7f|85)", lambda m: chr(int(m[1], 16)), msg)  # (click's \\x0a)
    return re.sub(r"(?<!\\)\\udc([89a-f][0-9a-f])", lambda m: chr(0xDC00 + int(m[1], 16)), msg)  # (repr's \\udce9)


def _option_case_hint(name: str, ctx: Any, msg: str) -> str:
    """The option an unknown one in capitals meant (``-O out.mp4``, ``-F``, ``--FORCE`` said "No
    such option" alone; click suggests none for a short option, nor a long one so far off)."""
    lower = name.lower()
    if lower == name or f"Possible options: {lower})" in msg:
        return ""
    known = any(lower in (*p.opts, *p.secondary_opts) for p in getattr(ctx.command, "params", ()))
    return f"; options are lower case: {lower}" if known else ""


def _config_option_hint(name: str) -> str:
    """The way to what an unknown ``--NAME`` meant where it names a preset or a configuration
    key (``--preset fast``, ``--crf 18`` were answered 'Possible options: --frames, --preview')."""
    from livecut.config import SECTIONS, preset_names

    word = name.lstrip("-").lower().replace("-", "_")
    if word in ("preset", "presets", "profile"):
        return (f"; a preset is chosen with -c NAME ({', '.join(preset_names())}), "
                "the encoder's speed preset with --set video.preset=NAME")
    keys = [f"{section}.{f.name}" for section, cls in SECTIONS.items()
            for f in dataclasses.fields(cls) if f.name == word]
    return f"; it is a configuration key: --set {keys[0]}=VALUE" if keys else ""


def _dash_file_hint(argv: Iterable[str]) -> str:
    """The way to a file whose name starts with ``-`` (``livecut file -clip.mp4 -o x.mp4`` read
    ``-c lip.mp4`` and said "Missing argument 'INPUT'"; ``livecut image -pic.jpg ...`` "No such
    option: -p")."""
    for arg in argv:
        if arg == "--":  # (the rest are arguments, as given)
            break
        if isinstance(arg, str) and len(arg) > 1 and arg.startswith("-") and os.path.lexists(arg):
            return _dash_file_text(arg)
    return ""


def glued_value_hint(message: str, argv: Iterable[str]) -> str:
    """The way to a file whose name starts with ``-`` and a short option's letter, read as that
    option and its value (``livecut file -clip.avi in.mp4 ...`` read ``-c lip.avi`` and said
    "lip.avi: config file not found", ``-movie.mp4`` "--mode 'ovie.mp4': expected one of ...",
    naming no file): said where the error's ``message`` names the value of such a word of
    ``argv`` that names a file here."""
    for arg in argv:
        if arg == "--":  # (the rest are arguments, as given)
            break
        if (isinstance(arg, str) and len(arg) > 2 and arg[0] == "-" and arg[1] != "-" and arg[2:] in message
                and os.path.lexists(arg)):
            return _dash_file_text(arg)
    return ""


def _dash_file_text(arg: str) -> str:
    return f"; {arg} is a file here: name it ./{arg} (an argument that starts with - is read as an option)"


def outputs_given_twice(params: Iterable[Any], argv: Iterable[str], command: str | None) -> str:
    """The refusal of ``-o`` given more than once with other names (``livecut file in.mp4 -o
    a.mp4 -o b.mp4`` wrote b.mp4 alone, exit 0, as if both were asked for), else "": ``params``
    the command's, ``argv`` its arguments as given.  So too of ``-c`` (``-c fast -c quality``
    ran with quality alone: the first preset was dropped without a word, where a .toml file
    names the preset it starts from)."""
    from livecut.urls import redact_url

    params = list(params)
    for short, long in (("-o", "--output"), ("-c", "--config")):
        values = _values_given(params, argv, short, long)
        if len(set(values)) < 2:
            continue
        named = " and ".join(f"{short} {redact_url(v, publishing=True)}" for v in dict.fromkeys(values))
        if short == "-o":
            return (f"{named}: livecut {command} takes one -o: give it once"
                    + (" (--preview and --vcam show the video beside it)" if command in ("file", "run", "cam") else ""))
        return (f"{named}: livecut {command} takes one -c: give it once (a .toml file starts from a preset "
                "with preset = \"NAME\" at its top; --set changes one key)")
    return ""


def _values_given(params: list[Any], argv: Iterable[str], short: str, long: str) -> list[str]:
    """The values given to the option ``short``/``long`` in ``argv``, as click reads them (another
    option's value is none: --set -o is no -o); [] where the command has no such option."""
    if not any(short in getattr(p, "opts", ()) for p in params):
        return []
    valued = {o for p in params if not getattr(p, "is_flag", True) and not getattr(p, "count", False)
              for o in (*p.opts, *p.secondary_opts) if o not in (short, long)}  # (an argument has no is_flag)
    values, args = [], iter(a for a in argv if isinstance(a, str))
    for arg in args:
        if arg == "--":  # (the rest are arguments)
            break
        if arg in (short, long):
            values.append(next(args, None))
        elif arg.startswith(long + "="):
            values.append(arg[len(long) + 1:])
        elif arg.startswith(short) and len(arg) > 2:  # (-oout.mp4, as click takes it)
            values.append(arg[2:])
        elif arg in valued:  # (its value, whatever it looks like)
            next(args, None)
    return [v for v in values if v is not None]


#: the commands whose options of one value are refused given twice with two values (the
#: measuring ones, whose numbers a dropped option changes without a word); -o is refused so in all
ONE_VALUE_COMMANDS = ("eval", "bench")

#: what to add to the refusal of an option given twice, where the option takes several values in one
GIVEN_TOGETHER = {"--scales": "--scales {0},{1} scores both"}


def values_given_twice(params: Iterable[Any], argv: Iterable[str], command: str | None) -> str:
    """The refusal of an option of one value given twice with two values in a command of
    :data:`ONE_VALUE_COMMANDS` (``livecut eval ... --scales 1 --scales 2`` scored x2 alone, exit 0,
    as if both were asked for; ``livecut bench -n 5 -n 50`` timed 50), else "": ``params`` the
    command's, ``argv`` its arguments as given."""
    from livecut.urls import redact_url

    if command not in ONE_VALUE_COMMANDS:
        return ""
    params = list(params)
    valued = {o: p for p in params if getattr(p, "opts", None) and not getattr(p, "is_flag", True)
              and not getattr(p, "count", False) for o in (*p.opts, *p.secondary_opts)}
    given: dict[Any, list[tuple[str, str]]] = {}
    args = iter(a for a in argv if isinstance(a, str))
    for arg in args:
        if arg == "--":  # (the rest are arguments)
            break
        name, value = arg, None
        if arg.startswith("--") and "=" in arg:
            name, value = arg.split("=", 1)
        elif arg.startswith("-") and not arg.startswith("--") and len(arg) > 2 and arg[:2] in valued:
            name, value = arg[:2], arg[2:]  # (-n5, as click takes it)
        if name not in valued:
            continue
        if value is None:
            value = next(args, None)
            if value is None:
                break
        given.setdefault(valued[name], []).append((name, value))
    for p, values in given.items():
        if getattr(p, "multiple", False) or len({v for _, v in values}) < 2:
            continue
        (n0, v0), (n1, v1) = next(((a, b) for a, b in zip(values, values[1:]) if a[1] != b[1]))
        said = f"{n0} {redact_url(v0, publishing=True)} and {n1} {redact_url(v1, publishing=True)}"
        together = GIVEN_TOGETHER.get(p.opts[0] if p.opts else "", "")
        return (f"{said}: livecut {command} takes one {p.opts[0] if p.opts[0].startswith('--') else n0}: give it once"
                + (f" ({together.format(v0, v1)})" if together else ""))
    return ""


def as_written(ctx: Any, value: Any, option: str) -> Any:
    """``value``, a number that ``option`` of the command of ``ctx`` was given, as one that a
    message shows as it was written on the command line (``--soften 0``: it was ``0.0``; ``1e400``:
    ``inf``); as it is where it was not given there (its default) or its text does not read as
    ``value``."""
    import math

    from livecut.config import _WrittenFloat, _WrittenInt

    given = getattr(ctx, "meta", {}).get("livecut.given")
    if not given or isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    text = None
    args = iter(a for a in given if isinstance(a, str))
    for arg in args:
        if arg == "--":
            break
        if arg == option:
            text = next(args, None)
        elif arg.startswith(option + "="):
            text = arg[len(option) + 1:]
    if text is None or text.strip() == repr(value):
        return value
    try:
        again = type(value)(text.strip())
    except ValueError:
        return value
    if not (again == value or (isinstance(value, float) and math.isnan(value) and math.isnan(again))):
        return value
    out = (_WrittenFloat if isinstance(value, float) else _WrittenInt)(value)
    out.written = text.strip()
    return out


def _last_input_output_hint(ctx: Any) -> str:
    """The way to an output given as the last argument (``livecut image shots/*.jpg cut/``,
    ``livecut batch shots/ cut/`` said "Missing option '--output' / '-o'" alone): said where that
    argument ends with ``/``, or is not there and names a folder (no extension) or, for
    ``livecut image``, a picture it writes (``cut.png``)."""
    import shlex

    inputs = (ctx.params or {}).get("inputs") or []
    if len(inputs) < (1 if (ctx.params or {}).get("list_file") else 2):
        return ""
    last, first = inputs[-1], inputs[0]
    if not isinstance(last, str) or not last.strip() or any(c in last for c in "*?["):  # (a pattern that found nothing)
        return ""
    if (ctx.command.name == "image" and len(inputs) == 2 and isinstance(first, str)
            and not os.path.lexists(os.path.expanduser(first)) and _written_picture(first)
            and os.path.isfile(os.path.expanduser(last))):
        # (`livecut image cut.png a.jpg`, the output first: nothing was said of it)
        return (f"; {first} is not there and {last} is: the input comes first, "
                f"livecut image {shlex.quote(last)} -o {shlex.quote(first)}")
    if not last.endswith(("/", os.sep)):
        if os.path.lexists(os.path.expanduser(last)):
            return ""
        suffix = os.path.splitext(last)[1]
        if suffix and not (ctx.command.name == "image" and _written_picture(last)):
            return ""
    return f"; an output is given with -o: -o {shlex.quote(last)}"


def _written_picture(name: str) -> bool:
    from livecut.images import single_output

    return single_output(name)


def _after_the_command_hint(name: str, group: Any, argv: Iterable[str]) -> str:
    """Where an option given before the command goes (``livecut -c fast file in.mp4 ...`` said
    "No such option: -c", as if there were none)."""
    given = [a for a in argv if isinstance(a, str)]
    command = next((a for a in given if a in group.commands), None)
    if command is None:
        return ""
    if not any(name in (*p.opts, *p.secondary_opts) for p in group.commands[command].params):
        return ""
    return f"; {name} is an option of livecut {command}: give it after the command, livecut {command} ... {name}"


def _other_case_hint(msg: str, group: Any) -> str:
    """The command a name in capitals meant (``livecut IMAGE ...``, ``livecut Batch ...``: commands
    are lower case; click suggested one for 'File' but none for 'IMAGE', 'BATCH')."""
    import difflib

    name = msg[len("No such command '"):-2].lower()
    close = difflib.get_close_matches(name, [c for c in group.commands if not group.commands[c].hidden])
    return f" Did you mean '{close[0]}'?" if close else ""


_AS_OPTION = ("No such command 'help'.", "No such command 'version'.")


def _as_option_hint(msg: str, ctx: Any, argv: Iterable[str]) -> str:
    """The option a command's word was meant for (``livecut help``, ``livecut version``, as git
    and docker take them, said "No such command" alone)."""
    if msg == _AS_OPTION[1]:
        return f"; the version is said by {ctx.command_path} --version"
    given = [a for a in argv if isinstance(a, str)]
    after = given[given.index("help") + 1:] if "help" in given else []
    if after and after[0] in ctx.command.commands:  # (livecut help file: livecut file --help)
        return f"; help is an option: {ctx.command_path} {after[0]} --help"
    return f"; help is an option: {ctx.command_path} --help, or {ctx.command_path} COMMAND --help"


def _output_hint(msg: str, ctx: Any, argv: Iterable[str] = ()) -> str:
    """The way to an output given as a second argument, as ffmpeg takes it (``livecut file in.mp4
    out.mp4`` said "Got unexpected extra argument(s) (out.mp4)")."""
    import re
    import shlex

    found = re.search(r"extra arguments?(?:\(s\))? \((.*)\)$", msg)  # (a name may hold brackets: 'clip (1).mp4')
    extra = found[1].split() if found else []
    raw = extra
    if found and found[1] in [a for a in argv if isinstance(a, str)]:  # (one name, as given: 'out .mp4')
        extra, raw = [shlex.quote(found[1])], [found[1]]
    several = _several_files_hint(ctx, raw) or _set_value_hint(argv, raw) or _json_file_hint(argv, raw)
    if several:
        return several
    if len(extra) != 1 or (ctx.params or {}).get("output") is not None:
        return ""
    if not any("-o" in p.opts for p in ctx.command.params):
        return ""
    # (`livecut file out.mp4 in.mp4`, the output first: "-o in.mp4" was said, the input as the
    # output, and given so said "out.mp4: no such file")
    params = ctx.params or {}
    given, other = params.get("input", params.get("source")), (found[1] if len(extra) == 1 else "")
    if (isinstance(given, str) and given != "-" and not os.path.lexists(os.path.expanduser(given))
            and os.path.isfile(os.path.expanduser(other))):
        return (f"; {given} is not there and {other} is: the input comes first, "
                f"{ctx.command_path} {shlex.quote(other)} -o {shlex.quote(given)}")
    return f"; an output is given with -o: -o {extra[0]}"


def _several_files_hint(ctx: Any, extra: list[str]) -> str:
    """The way to several files given to one that cuts one (``livecut file *.mp4 -o out/``, the
    shell's list of files, said "Got unexpected extra argument(s) (b.mp4 c.mp4)" alone): said
    where the input and each of ``extra`` are files here, and ``-o`` is given or they are more
    than one (``livecut file in.mp4 out.mp4``, out.mp4 from a run before, is an output's)."""
    import shlex

    params = ctx.params or {}
    given = params.get("input", params.get("source"))
    if ctx.command.name not in ("file", "run") or not isinstance(given, str) or not extra:
        return ""
    if not all(os.path.isfile(os.path.expanduser(name)) for name in (given, *extra)):
        return ""
    output = params.get("output")
    if output is None and len(extra) < 2:
        return ""
    folder = output if isinstance(output, str) and output.endswith(("/", os.sep)) else "DIR/"
    return (f"; livecut {ctx.command.name} cuts one video: for these {len(extra) + 1} files, "
            f"livecut batch FILE... -o {shlex.quote(folder) if folder != 'DIR/' else folder} (a folder of their outputs)")


def _json_file_hint(argv: Iterable[str], extra: list[str]) -> str:
    """The way to the JSON in a file (``livecut eval IMAGES MASKS --json out.json`` said "Got
    unexpected extra argument(s) (out.json)" alone, as of a stray word): --json is a flag, the
    JSON on standard output."""
    import shlex

    given = [a for a in argv if isinstance(a, str)]
    for i, arg in enumerate(given[:-1]):
        if arg == "--":
            break
        if arg == "--json" and given[i + 1] in extra and not given[i + 1].startswith("-"):
            return (f"; --json takes no file name: it writes the JSON to standard output "
                    f"(--json > {shlex.quote(given[i + 1])})")
    return ""


def _set_value_hint(argv: Iterable[str], extra: list[str]) -> str:
    """The way to a --set value given as a word of its own (``--set segment.threshold 0.5``
    said "Got unexpected extra argument(s) (0.5)" alone, as of a stray word)."""
    import shlex

    given = [a for a in argv if isinstance(a, str)]
    for i, arg in enumerate(given[:-1]):
        if arg == "--":
            break
        if (arg == "--set" and "=" not in given[i + 1] and i + 2 < len(given) and given[i + 2] in extra
                and not given[i + 2].startswith("-")):
            key, value = given[i + 1], given[i + 2]
            return f"; --set takes the key and its value as one word: --set {shlex.quote(f'{key}={value}')}"
    return ""
