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

import sys

import numpy as np


def fold(model):
    """Return the number of joins rewritten in ``model`` (an ``onnx.ModelProto``, changed in place)."""
    from onnx import helper, numpy_helper

    g = model.graph
    inits = {t.name: t for t in g.initializer}
    producers = {o: n for n in g.node for o in n.output}
    uses: dict[str, int] = {}
    for n in g.node:
        for i in n.input:
            uses[i] = uses.get(i, 0) + 1
    replaced: dict[int, list] = {}  # id(conv) -> the nodes that stand for it
    removed: set[int] = set()       # ids of the Resize and Concat nodes folded in
    for n in g.node:
        join = _join(n, producers, uses, inits)
        if join is None:
            continue
        rs, cat, W, cc = join
        coarse, fine = rs.input[0], cat.input[1]
        pre = n.name or n.output[0]
        wc_name, wf_name = pre + "_Wc", pre + "_Wf"
        g.initializer.append(numpy_helper.from_array(np.ascontiguousarray(W[:, :cc]), wc_name))
        g.initializer.append(numpy_helper.from_array(np.ascontiguousarray(W[:, cc:]), wf_name))
        c_out, r_out, f_out = pre + "_coarse", pre + "_up", pre + "_fine"
        ra = {a.name: helper.get_attribute_value(a) for a in rs.attribute}
        replaced[id(n)] = [
            helper.make_node("Conv", [coarse, wc_name], [c_out], name=pre + "_c", kernel_shape=[1, 1]),
            helper.make_node("Resize", [c_out] + list(rs.input[1:]), [r_out], name=pre + "_resize", **ra),
            # the bias (if any) goes with the fine part: once per output pixel
            helper.make_node("Conv", [fine, wf_name] + [b for b in n.input[2:3] if b], [f_out],
                             name=pre + "_f", kernel_shape=[1, 1]),
            helper.make_node("Add", [r_out, f_out], list(n.output), name=pre + "_add"),
        ]
        removed.update((id(rs), id(cat)))
    if not replaced:
        return 0
    nodes = []
    for n in g.node:
        if id(n) not in removed:
            nodes.extend(replaced.get(id(n), [n]))
    del g.node[:]
    g.node.extend(nodes)
    used = {i for n in g.node for i in n.input}
    keep = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(keep)
    return len(replaced)


def _join(n, producers, uses, inits):
    """``(resize, concat, W, coarse channels)`` when ``n`` is a plain 1x1 Conv of
    ``Concat(Resize(coarse), fine)`` whose intermediate results nothing else reads; else None."""
    from onnx import helper, numpy_helper

    if n.op_type != "Conv":
        return None
    cat = producers.get(n.input[0])
    if cat is None or cat.op_type != "Concat" or len(cat.input) != 2 or uses[cat.output[0]] != 1:
        return None
    rs = producers.get(cat.input[0])
    if rs is None or rs.op_type != "Resize" or uses[rs.output[0]] != 1:
        return None
    if {a.name: helper.get_attribute_value(a) for a in rs.attribute}.get("mode", b"nearest") \
            not in (b"linear", b"nearest"):  # (both are per-channel linear: they commute)
        return None
    attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
    if any(k not in ("dilations", "pads", "strides", "group", "kernel_shape") for k in attrs):
        return None
    W = numpy_helper.to_array(inits[n.input[1]])
    if (W.shape[2:] != (1, 1) or attrs.get("group", 1) != 1
            or any(v != 1 for v in attrs.get("strides", [1, 1])) or any(attrs.get("pads", [0, 0, 0, 0]))):
        return None
    cc = W.shape[1] - _channels_of(cat.input[1], inits, producers)
    return (rs, cat, W, cc) if cc > 0 else None


def _channels_of(name, inits, producers) -> int:
    """Channels of tensor ``name``: the output channels of the Conv that produced it
    (through activations)."""
    from onnx import numpy_helper

    n = producers.get(name)
    while n is not None and n.op_type != "Conv":
        n = producers.get(n.input[0])
    if n is None:
        raise ValueError(f"cannot tell the channels of {name}")
    return int(numpy_helper.to_array(inits[n.input[1]]).shape[0])


def main(argv: list[str] | None = None) -> int:
    from onnx_edit import main as edit_main

    return edit_main(argv, __doc__, fold, "joins rewritten")


if __name__ == "__main__":
    sys.exit(main())
