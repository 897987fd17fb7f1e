"""The ``livecut`` command's entry point: Ctrl-C while the modules are still being imported
(the first few tenths of a second) ends with one line and exit 130, not a Python traceback."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from livecut.cli import main as cli_main
    except KeyboardInterrupt:
        try:
            sys.stderr.write("livecut: error: interrupted\n")
        except (OSError, ValueError, AttributeError):
            pass
        raise SystemExit(130) from None
    cli_main()
