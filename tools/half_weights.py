"""Store a focus network's weights as float16: half the file, the same network.

Each float32 initializer (a convolution's weights and bias) is stored as float16 and
turned back into float32 by a ``Cast`` node at the head of the graph, so the file stays
a valid ONNX model of the same inputs and outputs.  OpenCV's ``cv2.dnn`` folds a Cast of
a constant when it loads the model: the network it runs is the float32 one, with each
weight rounded to float16 (a relative change of at most 2^-11; the logits move by about
1e-3), and it runs as fast.  The four shipped networks take 1.2 MB instead of 2.3 MB.

    python tools/half_weights.py livecut/models/focusnet.onnx [OUT]   # in place without OUT

Run it last, after tools/fold_skips.py (which reads the float32 weights).  Needs the
``onnx`` package (in the ``train`` extra).
"""

from __future__ import annotations

import sys

import numpy as np

#: initializers of up to this many values stay float32 (shapes and scalars: nothing to save)
KEEP_BELOW = 16
#: the largest float32 magnitude float16 holds (65504); a weight beyond it is refused
FP16_MAX = float(np.finfo(np.float16).max)


def halve(model) -> int:
    """Store ``model``'s float32 initializers as float16 with a Cast back to float32
    (``model``, an ``onnx.ModelProto``, is changed in place); return how many."""
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    casts, halves = [], []
    for init in list(graph.initializer):
        a = numpy_helper.to_array(init)
        if a.dtype != np.float32 or a.size < KEEP_BELOW:
            continue
        if np.abs(a).max() > FP16_MAX:
            raise ValueError(f"{init.name}: a weight of {np.abs(a).max():g} does not fit float16")
        half = numpy_helper.from_array(a.astype(np.float16), init.name + "_fp16")
        halves.append(half)
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT,
                                      name=init.name + "_to_float"))
        graph.initializer.remove(init)
    graph.initializer.extend(halves)
    nodes = casts + list(graph.node)  # (a graph's nodes are in the order they run)
    del graph.node[:]
    graph.node.extend(nodes)
    return len(casts)


def main(argv: list[str] | None = None) -> int:
    from onnx_edit import main as edit_main

    return edit_main(argv, __doc__, halve, "initializers stored as float16")


if __name__ == "__main__":
    sys.exit(main())
