"""Rewrite a focus network's decoder joins into an equivalent, cheaper ONNX graph.

The decoder of :class:`tools.engine_net.FocusNet` (``skips="concat"``) joins a coarse
level to a fine one as ``Conv1x1(Concat(Resize(coarse), fine))``.  A 1x1 convolution
is a per-pixel linear map and a bilinear resize is a per-channel linear map whose
weights sum to one, so the two commute, and the convolution of a concatenation is
the sum of two convolutions::

    Conv1x1(W, b)(Concat(Resize(c), f)) == Resize(Conv1x1(W_c)(c)) + Conv1x1(W_f, b)(f)

The rewritten graph computes the same function (to float rounding), but resizes
the output width of the join instead of the coarse level's width, and runs the
coarse part of the 1x1 at the coarse level: fewer full-grid passes in cv2.dnn.

    python tools/fold_skips.py livecut/models/focusnet.onnx [OUT]   # in place without OUT

Needs the ``onnx`` package (in the ``train`` extra).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def fold(model):
    """Return the number of joins rewritten in ``model`` (an ``onnx.ModelProto``, changed in place)."""
    from onnx import helper, numpy_helper

    g = model.graph
    inits = {t.name: t for t in g.initializer}
    producers = {o: n for n in g.node for o in n.output}
    consumers: dict[str, list] = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    count = 0
    new_nodes = []
    drop = set()
    for n in list(g.node):
        if n.op_type != "Conv" or id(n) in drop:
            continue
        cat = producers.get(n.input[0])
        if cat is None or cat.op_type != "Concat" or len(cat.input) != 2 or len(consumers[cat.output[0]]) != 1:
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        if any(k not in ("dilations", "pads", "strides", "group", "kernel_shape") for k in attrs):
            continue
        W = numpy_helper.to_array(inits[n.input[1]])
        if W.shape[2:] != (1, 1) or attrs.get("group", 1) != 1 or any(attrs.get("strides", [1, 1])) != 1:
            continue
        if any(attrs.get("pads", [0, 0, 0, 0])):
            continue
        rs = producers.get(cat.input[0])
        if rs is None or rs.op_type != "Resize" or len(consumers[rs.output[0]]) != 1:
            continue
        ra = {a.name: helper.get_attribute_value(a) for a in rs.attribute}
        if ra.get("mode", b"nearest") not in (b"linear", b"nearest"):
            continue
        coarse = rs.input[0]
        fine = cat.input[1]
        cc = W.shape[1] - _channels_of(W, fine, model, inits, producers)
        if cc <= 0:
            continue
        b = numpy_helper.to_array(inits[n.input[2]]) if len(n.input) > 2 and n.input[2] else None
        pre = n.name or n.output[0]
        wc_name, wf_name = pre + "_Wc", pre + "_Wf"
        g.initializer.append(numpy_helper.from_array(np.ascontiguousarray(W[:, :cc]), wc_name))
        g.initializer.append(numpy_helper.from_array(np.ascontiguousarray(W[:, cc:]), wf_name))
        f_inputs = [fine, wf_name]
        if b is not None:
            f_inputs.append(n.input[2])
        c_out, r_out, f_out = pre + "_coarse", pre + "_up", pre + "_fine"
        conv_c = helper.make_node("Conv", [coarse, wc_name], [c_out], name=pre + "_c", kernel_shape=[1, 1])
        resize = helper.make_node("Resize", [c_out] + list(rs.input[1:]), [r_out], name=pre + "_resize",
                                  **ra)
        conv_f = helper.make_node("Conv", f_inputs, [f_out], name=pre + "_f", kernel_shape=[1, 1])
        add = helper.make_node("Add", [r_out, f_out], list(n.output), name=pre + "_add")
        new_nodes.append((n, [conv_c, resize, conv_f, add], (rs, cat)))
        drop.update((id(n), id(rs), id(cat)))
        count += 1
    if not count:
        return 0
    out = []
    for n in g.node:
        rep = next((r for r in new_nodes if r[0] is n), None)
        if rep is not None:
            out.extend(rep[1])
        elif id(n) not in drop:
            out.append(n)
    del g.node[:]
    g.node.extend(out)
    used = {i for n in g.node for i in n.input}
    keep = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(keep)
    return count


def _channels_of(W, name, model, inits, producers) -> int:
    """Channels of tensor ``name``: the output channels of the Relu/Conv producing it."""
    n = producers.get(name)
    while n is not None and n.op_type != "Conv":
        n = producers.get(n.input[0])
    if n is None:
        raise ValueError(f"cannot tell the channels of {name}")
    from onnx import numpy_helper

    return int(numpy_helper.to_array(inits[n.input[1]]).shape[0])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("out", type=Path, nargs="?")
    args = ap.parse_args(argv)
    import onnx

    m = onnx.load(str(args.model))
    n = fold(m)
    onnx.checker.check_model(m)
    out = args.out or args.model
    onnx.save(m, str(out))
    print(f"{args.model}: {n} joins rewritten -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
