"""The ``livecut`` command's entry point: Ctrl-C while the modules are still being imported
or the arguments read (the first few tenths of a second) ends with one line and exit 130,
not a Python traceback."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from livecut.cli import main as cli_main

        # (a Ctrl-C that the command has not taken over yet -- while it reads its arguments
        # and imports what it needs -- ends here as well)
        cli_main()
    except KeyboardInterrupt:
        try:
            sys.stderr.write("livecut: error: interrupted\n")
        except (OSError, ValueError, AttributeError):
            pass
        raise SystemExit(130) from None
