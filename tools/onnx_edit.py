"""Load an ONNX model, change it, check it and save it: the step tools/fold_skips.py,
tools/half_weights.py and the export of tools/train_engine.py share.

Needs the ``onnx`` package (in the ``train`` extra).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable


def rewrite(path: Path, edit: Callable, out: Path | None = None) -> int:
    """``edit(model)`` (it changes the ``onnx.ModelProto`` in place and returns how many
    places it changed) applied to the model at ``path``, checked, saved to ``out`` (default:
    ``path`` itself); return what ``edit`` returned."""
    import onnx

    m = onnx.load(str(path))
    n = edit(m)
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, str(out or path))
    return n


def main(argv: list[str] | None, doc: str, edit: Callable, what: str) -> int:
    """The command line of a tool that applies ``edit``: ``MODEL [OUT]`` (in place without OUT)."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("out", type=Path, nargs="?")
    args = ap.parse_args(argv)
    out = args.out or args.model
    before = args.model.stat().st_size
    n = rewrite(args.model, edit, out)
    print(f"{args.model}: {n} {what} -> {out} ({before} -> {out.stat().st_size} bytes)")
    return 0
