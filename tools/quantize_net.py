"""Store a focus network as int8: OpenCV 5.1 runs it ~20 % faster, the same masks.

The network's weights become int8 (one scale a output channel) and each layer's input
is quantized to uint8 with a fixed scale and zero point, as ONNX QuantizeLinear /
DequantizeLinear pairs around each convolution (the "QDQ" format); OpenCV's ``cv2.dnn``
(5.1) reads the pairs and runs those convolutions in integer arithmetic.  The activation
ranges are calibrated (their minimum and maximum) on what the shipped engine gives its
networks: the cue blobs of ``--photos`` photos of cuhk-native's *fitting* split (never a
validation or tuning photo), each judged as a photo and as a video frame, at x1 and x2.

    python tools/quantize_net.py CUHK_NATIVE FLOAT.onnx [FLOAT2.onnx ...] --out-dir DIR

Each FLOAT.onnx (float32, or its weights stored as float16 by tools/half_weights.py) is
written as DIR/<its name>; the JSON beside it (its provenance, if there is one) is copied
with its ``weights`` said anew and the calibration added.  Before writing, each network is
run by cv2.dnn as float and as int8 on the calibration blobs, and the agreement printed (the
sign of the logits: the decision).  The shipped networks were made so from the float16
files of commit 3584f4c (``git show 3584f4c:livecut/models/focusnet.onnx > f/focusnet.onnx``).

Needs ``onnx`` and ``onnxruntime`` (the ``train`` extra: onnxruntime's quantizer runs the
float network to calibrate it); inference needs neither.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

#: photos of the fitting split whose cues calibrate the activation ranges (the first ones of
#: livecut/models/cuhk_split.json's "fit" list)
PHOTOS = 40
#: the scales they are judged at (cubic up, as livecut eval rescales)
SCALES = (1.0, 2.0)


def unhalve(model) -> int:
    """Undo tools/half_weights.py in ``model`` (changed in place): each float16 initializer
    that a Cast turns into float32 becomes that float32 initializer again; return how many."""
    from onnx import TensorProto, numpy_helper

    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    casts = [n for n in graph.node if n.op_type == "Cast" and len(n.input) == 1 and n.input[0] in inits
             and inits[n.input[0]].data_type == TensorProto.FLOAT16]
    for node in casts:
        half = inits[node.input[0]]
        graph.initializer.append(numpy_helper.from_array(
            numpy_helper.to_array(half).astype(np.float32), node.output[0]))
        graph.initializer.remove(half)
        graph.node.remove(node)
    return len(casts)


def calibration_blobs(dataset: Path, photos: int = PHOTOS, scales=SCALES) -> list[np.ndarray]:
    """The blobs livecut's engine gives its networks (every one of them: the standard,
    soft, noisy and ensemble networks, the coarse level, the mirrored pass) on the first
    ``photos`` photos of the fitting split, as photos and as video frames, at ``scales``."""
    import cv2

    from livecut.segment import Segmenter
    from livecut.segment.net import model_path

    split = json.loads(model_path("cuhk_split.json").read_text())
    blobs: list[np.ndarray] = []

    class Recording:  # stands for a network: keeps each input it is given
        def __init__(self, net):
            self.net = net

        def setInput(self, blob):  # noqa: N802  (cv2.dnn.Net's name)
            blobs.append(np.array(blob, np.float32))
            self.net.setInput(blob)

        def forward(self):
            return self.net.forward()

        def __getattr__(self, name):
            return getattr(self.net, name)

    for still in (True, False):
        seg = Segmenter(still=still)
        m = seg.method
        for attr in ("net", "soft_net", "noisy_net"):
            if getattr(m, attr, None) is not None:
                setattr(m, attr, Recording(getattr(m, attr)))
        for name in split["fit"][:photos]:
            img = cv2.imread(str(dataset / "images" / name), cv2.IMREAD_COLOR)
            if img is None:
                raise SystemExit(f"{dataset / 'images' / name}: cannot be read")
            for s in scales:
                im = img if s == 1 else cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC)
                m.reset()
                seg.mask(im)
    return blobs


def quantize(src: Path, out: Path, blobs: list[np.ndarray]) -> None:
    """``src`` (a float network) as int8 QDQ at ``out``, its activations calibrated on ``blobs``."""
    import onnx
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat,
                                          QuantType, quantize_static)

    model = onnx.load(str(src))
    unhalve(model)
    onnx.checker.check_model(model, full_check=True)
    name = model.graph.input[0].name

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.left = iter(blobs)

        def get_next(self):
            blob = next(self.left, None)
            return None if blob is None else {name: blob}

    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "float.onnx"
        onnx.save(model, str(plain))
        quantize_static(str(plain), str(out), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.MinMax)
    onnx.checker.check_model(onnx.load(str(out)), full_check=True)


def agreement(float_path: Path, int8_path: Path, blobs: list[np.ndarray]) -> tuple[float, float]:
    """cv2.dnn's two networks on ``blobs``: the share of logits of the same sign, the largest
    logit difference."""
    from livecut.segment.net import load_net

    a, b = load_net(float_path), load_net(int8_path)
    same, worst = [], 0.0
    for blob in blobs:
        a.setInput(blob)
        b.setInput(blob)
        la, lb = a.forward().copy(), b.forward()
        same.append(float(np.mean((la > 0) == (lb > 0))))
        worst = max(worst, float(np.abs(la - lb).max()))
    return float(np.mean(same)), worst


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dataset", type=Path, help="cuhk-native (images/ and masks/)")
    ap.add_argument("models", type=Path, nargs="+", help="float networks (.onnx)")
    ap.add_argument("--out-dir", type=Path, required=True)
    ap.add_argument("--photos", type=int, default=PHOTOS)
    args = ap.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    blobs = calibration_blobs(args.dataset, args.photos)
    print(f"calibration: {len(blobs)} blobs from {args.photos} fitting photos at x{', x'.join(map(str, SCALES))}")
    for src in args.models:
        out = args.out_dir / src.name
        if out.resolve() == src.resolve():
            raise SystemExit(f"{src}: give an --out-dir other than the float network's folder")
        quantize(src, out, blobs)
        same, worst = agreement(src, out, blobs)
        print(f"{src} -> {out}: {src.stat().st_size} -> {out.stat().st_size} bytes; "
              f"logit sign the same at {same:.4f} of the cells, largest difference {worst:.3f}")
        info_src = src.with_suffix(".json")
        if info_src.is_file():
            info = json.loads(info_src.read_text())
            info["weights"] = ("int8 (ONNX QuantizeLinear/DequantizeLinear: weights int8 per output channel, "
                               "activations uint8) by tools/quantize_net.py from the float16 network "
                               f"({info.get('weights', 'float32')})")
            info["calibration"] = {"photos": f"the first {args.photos} of cuhk_split.json's fit list",
                                   "scales": list(SCALES), "as": ["photos", "video frames"],
                                   "blobs": len(blobs), "method": "MinMax",
                                   "sign_agreement": round(same, 4), "largest_logit_difference": round(worst, 3)}
            (args.out_dir / info_src.name).write_text(json.dumps(info, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
