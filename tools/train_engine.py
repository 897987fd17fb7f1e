#!/usr/bin/env python3
"""Train the ``focusnet`` engine's network on cuhk-native and export it for cv2.dnn.

    pip install -e ".[train]"
    python tools/train_engine.py ../shared/datasets/cuhk-native

Steps (all from fixed seeds, so a rerun gives the same split and the same data):

1. **Split** the photos (sorted names, shuffled with ``SPLIT_SEED``) into 100
   *validation* photos -- never trained on, never used for any choice, only
   reported -- 40 *tuning* photos (early stopping and the post-processing choice)
   and the rest for *fitting*.  The split is written beside the model.
2. **Cache** the network inputs exactly as inference computes them
   (:class:`livecut.segment.cues.CueExtractor` on the frame rescaled by each of
   ``SCALES`` -- cubic up, area down -- with sensor noise added to some), so the
   network learns cues measured at every pixel scale a photo or an HD frame gives.
3. **Train** :class:`engine_net.FocusNet` (BCE + soft IoU, AdamW, cosine schedule,
   horizontal flips and small colour jitter), keeping the checkpoint with the best
   tuning-split IoU.  A tenth of each epoch are whole-frame examples: synthetic
   frames sharp all over (keep everything) and fitting photos blurred all over
   (keep nothing).
4. **Export** to ONNX (``livecut/models/focusnet.onnx``; decoder joins folded by
   tools/fold_skips.py, weights stored as float16 by tools/half_weights.py) with its
   provenance (``focusnet.json``: data, split, seeds, epochs, scores).

Needs torch (the ``train`` extra); inference needs only OpenCV.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from functools import partial
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from livecut.evaluate import rescale, soften  # noqa: E402  (`livecut eval --scales`, `--soften`)
from livecut.resize import reduce_buffers, reduce_into  # noqa: E402
from livecut.segment.cues import N_CUES, CueExtractor, padded  # noqa: E402

SPLIT_SEED = 20261129
N_VAL, N_TUNE = 100, 40
SCALES = (0.5, 1.0, 1.5, 2.0, 3.0)
NOISE_SIGMAS = (0.0, 0.0, 1.5, 3.0)
WORK_SIZE = 320  # segment.work_size: the RGB channels come from the frame reduced to it


def split(names: list[str]) -> dict[str, list[str]]:
    rng = np.random.default_rng(SPLIT_SEED)
    order = [names[i] for i in rng.permutation(len(names))]
    return {"val": sorted(order[:N_VAL]), "tune": sorted(order[N_VAL:N_VAL + N_TUNE]),
            "fit": sorted(order[N_VAL + N_TUNE:])}


#: the network's input: RGB + the cues (+ the kurtosis channel with --kurtosis)
KURTOSIS = False
CHANNELS = 3 + N_CUES


def small_of(frame: np.ndarray) -> np.ndarray:
    """The frame reduced to the working size, as :class:`livecut.segment.Segmenter` does."""
    h, w = frame.shape[:2]
    s = min(1.0, WORK_SIZE / max(h, w))
    sh, sw = max(8, int(round(h * s))), max(8, int(round(w * s)))
    if (sh, sw) == (h, w):
        return frame
    small = np.empty((sh, sw, 3), np.uint8)
    return reduce_into(frame, small, reduce_buffers((h, w), (sh, sw)))


def sample(img: np.ndarray, gt: np.ndarray, s: float, noise: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """(blob cropped to the grid, float16; target at the grid, float16 0..1)."""
    frame = rescale(img, s)
    if noise > 0:
        frame = np.clip(frame + rng.normal(0, noise, frame.shape), 0, 255).astype(np.uint8)
    ex = CueExtractor(kurtosis=KURTOSIS)
    blob = ex.extract(frame, small_of(frame))
    gh, gw = ex.grid
    ch, cw = ex.cue_hw
    k = ex.k
    # the truth over the region the cues cover, at the grid
    H, W = frame.shape[:2]
    t = cv2.resize(gt, (W, H), interpolation=cv2.INTER_LINEAR)[:ch * k, :cw * k]
    t = cv2.resize(t.astype(np.float32) / 255.0, (gw, gh), interpolation=cv2.INTER_AREA)
    return blob[0, :, :gh, :gw].astype(np.float16), t.astype(np.float16)


def _read_pair(data: Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A photo and its truth (0 / 255)."""
    img = cv2.imread(str(data / "images" / name), cv2.IMREAD_COLOR)
    gt = cv2.imread(str(data / "masks" / (Path(name).stem + ".png")), cv2.IMREAD_GRAYSCALE)
    return img, np.where(gt >= 128, 255, 0).astype(np.uint8)


#: --workers N: the caches are built by N processes, each photo (or whole frame) from a
#: generator of its own, seeded by the cache's seed and its place in the list, so the items
#: are the same for every N (and differ from those of one generator for the whole list,
#: --workers 0, the default: the draws the shipped networks' caches were made with)
WORKERS = 0

_JOB: tuple | None = None  # (make, data, names, seed, read): what a worker process builds


def _made(make, data: Path, names: list, i: int, rng, read: bool):
    """What ``make`` gives for place ``i`` of ``names`` (see _build)."""
    return make(names[i], *_read_pair(data, names[i]), rng) if read else make(i, rng)


def _one(i: int) -> list[dict]:
    make, data, names, seed, read = _JOB
    return list(_made(make, data, names, i, np.random.default_rng([seed, i]), read))


def _start_worker(job: tuple, noise_sigmas: tuple, kurtosis: bool) -> None:
    """A worker process (started afresh, not forked: a fork of a process whose OpenCV threads
    have run can hang) takes the job and the options main() set."""
    global _JOB, NOISE_SIGMAS, KURTOSIS
    _JOB, NOISE_SIGMAS, KURTOSIS = job, noise_sigmas, kurtosis
    cv2.setNumThreads(1)


def _build(data: Path, names: list, path: Path, seed: int, make, read: bool = True) -> list[dict]:
    """The items ``make(name, img, gt, rng)`` gives for each photo (``read``; else
    ``make(i, rng)`` for each place ``i`` of ``names``), saved to ``path``."""
    items: list[dict] = []
    t0 = time.time()
    if WORKERS:
        import multiprocessing

        job = (make, data, names, seed, read)
        with multiprocessing.get_context("spawn").Pool(
                WORKERS, initializer=_start_worker, initargs=(job, NOISE_SIGMAS, KURTOSIS)) as pool:
            for chunk in pool.imap(_one, range(len(names))):
                items.extend(chunk)
    else:
        rng = np.random.default_rng(seed)
        for i in range(len(names)):
            items.extend(_made(make, data, names, i, rng, read))
            if (i + 1) % 50 == 0:
                print(f"  cache {path.name}: {i + 1}/{len(names)} photos, {time.time() - t0:.0f} s", flush=True)
    print(f"  cache {path.name}: {len(items)} items, {time.time() - t0:.0f} s", flush=True)
    np.savez(path, items=np.array(items, dtype=object))
    return items


def build_cache(data: Path, names: list[str], path: Path, scales, noisy: bool,
                soft: float = 1.0) -> list[dict]:
    """Each photo at each of ``scales`` (softened by ``soft`` first, when above 1)."""
    if path.exists():
        return list(np.load(path, allow_pickle=True)["items"])

    return _build(data, names, path, SPLIT_SEED + 1, partial(_scaled, scales=tuple(scales), noisy=noisy, soft=soft))


def _scaled(name, img, gt, rng, *, scales, noisy: bool, soft: float):
    img = soften(img, soft)
    for s in scales:
        noise = float(rng.choice(NOISE_SIGMAS)) if noisy else 0.0
        x, y = sample(img, gt, s, noise, rng)
        yield {"name": name, "scale": s, "x": x, "y": y, **({"soft": soft} if soft > 1.0 else {})}


#: whole-frame examples added to the fitting set: frames sharp all over (target: keep all)
#: and photos blurred all over (target: keep nothing), a tenth of each epoch
N_WHOLE = 20


def sharp_texture(rng, h: int, w: int) -> np.ndarray:
    """A frame in focus all over: colour texture with detail at several scales and shapes."""
    base = rng.integers(40, 216, 3).astype(np.float32)
    amp = float(rng.uniform(10, 60))
    img = np.zeros((h, w, 3), np.float32) + base
    for cell in (int(rng.integers(12, 40)), int(rng.integers(3, 9)), 1):
        small = rng.normal(0, 1, (h // cell + 2, w // cell + 2, 3)).astype(np.float32)
        img += amp * 0.6 * cv2.resize(small, (w + 2 * cell, h + 2 * cell), interpolation=cv2.INTER_CUBIC)[cell:cell + h, cell:cell + w]
    for _ in range(int(rng.integers(5, 40))):
        color = tuple(float(c) for c in rng.integers(0, 256, 3))
        p = tuple(int(v) for v in rng.integers(0, [w, h]))
        if rng.random() < 0.5:
            cv2.circle(img, p, int(rng.integers(3, max(4, min(h, w) // 6))), color, -1)
        else:
            q = tuple(int(v) for v in rng.integers(0, [w, h]))
            cv2.rectangle(img, p, q, color, -1)
    return np.clip(img, 0, 255).astype(np.uint8)


def disk_blur(img: np.ndarray, radius: float) -> np.ndarray:
    r = int(np.ceil(radius))
    y, x = np.mgrid[-r:r + 1, -r:r + 1]
    k = (x * x + y * y <= radius * radius).astype(np.float32)
    return cv2.filter2D(img, -1, k / k.sum(), borderType=cv2.BORDER_REFLECT)


#: --soft: each fitting photo also seen softened, as a soft camera or an enlarged small picture
#: shows it: its detail reduced to 1/f (area) and brought back to the same pixels (cubic),
#: f uniform in SOFT_FACTORS, then rescaled by one of SOFT_SCALES
SOFT_FACTORS = (1.5, 2.5)
SOFT_SCALES = (1.0, 2.0)


def build_soft_cache(data: Path, names: list[str], path: Path, per_photo: int) -> list[dict]:
    """``per_photo`` softened versions of each fitting photo (see SOFT_FACTORS)."""
    if path.exists():  # reused only if made the same way
        items = list(np.load(path, allow_pickle=True)["items"])
        made = {(it["soft"], it["scale"]) for it in items}
        if (len(items) == per_photo * len(names)
                and all(SOFT_FACTORS[0] <= f <= SOFT_FACTORS[1] and s in SOFT_SCALES for f, s in made)):
            return items

    return _build(data, names, path, SPLIT_SEED + 3, partial(_softened, per_photo=per_photo))


def _softened(name, img, gt, rng, *, per_photo: int):
    for _ in range(per_photo):
        f = float(rng.uniform(*SOFT_FACTORS))
        s = float(rng.choice(SOFT_SCALES))
        noise = float(rng.choice(NOISE_SIGMAS))
        x, y = sample(soften(img, f), gt, s, noise, rng)
        yield {"name": name, "scale": s, "soft": f, "x": x, "y": y}


#: --paste: each fitting photo's subject (its in-focus truth) also seen over another fitting
#: photo disk-blurred all over, of a radius uniform in PASTE_RADII (pixels at the photo's own
#: size): the same subject before backgrounds of every colour and of known, varied defocus
PASTE_RADII = (2.0, 8.0)


def build_paste_cache(data: Path, names: list[str], path: Path, per_photo: int) -> list[dict]:
    """``per_photo`` composites of each fitting photo's subject over another blurred photo."""
    if path.exists():
        items = list(np.load(path, allow_pickle=True)["items"])
        if len(items) == per_photo * len(names):
            return items

    return _build(data, names, path, SPLIT_SEED + 4, partial(_pasted, per_photo=per_photo, data=data, names=names))


def _pasted(name, img, gt, rng, *, per_photo: int, data: Path, names: list[str]):
    h, w = img.shape[:2]
    inside = (gt >= 128)[:, :, None]
    for _ in range(per_photo):
        other = names[int(rng.integers(len(names)))]
        while other == name:
            other = names[int(rng.integers(len(names)))]
        bg, _ = _read_pair(data, other)
        if rng.random() < 0.5:
            bg = bg[:, ::-1]
        bg = cv2.resize(bg, (w, h), interpolation=cv2.INTER_AREA if bg.shape[1] > w else cv2.INTER_CUBIC)
        r = float(rng.uniform(*PASTE_RADII))
        comp = np.where(inside, img, disk_blur(np.ascontiguousarray(bg), r))
        s = float(rng.choice(SCALES))
        noise = float(rng.choice(NOISE_SIGMAS))
        x, y = sample(comp, gt, s, noise, rng)
        yield {"name": name, "scale": s, "paste": r, "x": x, "y": y}


#: --select-soft: the tuning photos softened by this factor, at x1 and x2
TUNE_SOFT_FACTOR = 2.0


def build_whole_cache(data: Path, names: list[str], path: Path) -> list[dict]:
    """N_WHOLE sharp-all-over and N_WHOLE blurred-all-over frames, each at every scale."""
    if path.exists():
        return list(np.load(path, allow_pickle=True)["items"])

    return _build(data, list(range(N_WHOLE)), path, SPLIT_SEED + 2,
                  partial(_whole, data=data, names=names), read=False)


def _whole(i: int, rng, *, data: Path, names: list[str]):
    h, w = (427, 640) if rng.random() < 0.75 else (640, 427)
    img = sharp_texture(rng, h, w)
    ones = np.full((h, w), 255, np.uint8)
    photo = cv2.imread(str(data / "images" / names[int(rng.integers(len(names)))]), cv2.IMREAD_COLOR)
    blurred = disk_blur(photo, float(rng.uniform(3.0, 8.0)))
    zeros = np.zeros(photo.shape[:2], np.uint8)
    for s in SCALES:
        noise = float(rng.choice(NOISE_SIGMAS))
        x, y = sample(img, ones, s, noise, rng)
        yield {"name": f"sharp{i}", "scale": s, "x": x, "y": y}
        x, y = sample(blurred, zeros, s, noise, rng)
        yield {"name": f"blurred{i}", "scale": s, "x": x, "y": y}


def pad_into(x: np.ndarray, dst: np.ndarray) -> None:
    """``dst`` (C x ph x pw) = the item's input ``x`` (C x gh x gw), its last column and row
    repeated into the padding."""
    gh, gw = x.shape[1:]
    dst[:, :gh, :gw] = x
    dst[:, :gh, gw:] = x[:, :, -1:]
    dst[:, gh:, :] = dst[:, gh - 1:gh, :]


def batches(items: list[dict], bs: int, rng, augment: bool):
    """Batches of items of one padded shape (padding replicated, loss weight 0 there)."""
    import torch
    groups: dict[tuple[int, int], list[dict]] = {}
    for it in items:
        gh, gw = it["y"].shape
        groups.setdefault((padded(gh), padded(gw)), []).append(it)
    out = []
    for (ph, pw), group in groups.items():
        idx = rng.permutation(len(group)) if augment else np.arange(len(group))
        for j in range(0, len(group), bs):
            out.append([group[i] for i in idx[j:j + bs]])
    if augment:
        out = [out[i] for i in rng.permutation(len(out))]
    for chunk in out:
        gh0, gw0 = chunk[0]["y"].shape
        ph, pw = padded(gh0), padded(gw0)
        X = np.empty((len(chunk), CHANNELS, ph, pw), np.float32)
        Y = np.zeros((len(chunk), 1, ph, pw), np.float32)
        M = np.zeros((len(chunk), 1, ph, pw), np.float32)
        T = np.zeros((len(chunk), 1, ph // 2, pw // 2), np.float32) if "t" in chunk[0] else None
        for b, it in enumerate(chunk):
            x, y = it["x"].astype(np.float32), it["y"].astype(np.float32)
            gh, gw = y.shape
            t = it["t"].astype(np.float32) if T is not None else None
            # (a teacher's answer is at half the grid: mirrored with the frame where its cells
            # pair up the same way, an even width)
            if augment and rng.random() < 0.5 and (t is None or gw % 2 == 0):
                x, y = x[:, :, ::-1], y[:, ::-1]
                t = t[:, ::-1] if t is not None else None
            if t is not None:
                T[b, 0, :t.shape[0], :t.shape[1]] = t
            pad_into(x, X[b])
            Y[b, 0, :gh, :gw] = y
            M[b, 0, :gh, :gw] = 1.0
            if augment:  # brightness / contrast jitter of the RGB channels
                X[b, :3] = X[b, :3] * rng.uniform(0.8, 1.2) + rng.uniform(-0.08, 0.08)
        yield (torch.from_numpy(X), torch.from_numpy(Y), torch.from_numpy(M),
               None if T is None else torch.from_numpy(T))


def teach(items: list[dict], paths: list[Path]) -> None:
    """--teacher: each item's ``t``, the average logits of the networks at ``paths`` (cv2.dnn,
    as livecut runs them) on the item and on its mirror image (as a photo is judged), at half
    the grid over the cells the truth covers whole."""
    from livecut.segment.net import load_net

    nets = [load_net(p) for p in paths]
    t0 = time.time()
    for n, it in enumerate(items):
        gh, gw = it["y"].shape
        X = np.empty((1, CHANNELS, padded(gh), padded(gw)), np.float32)
        pad_into(it["x"].astype(np.float32), X[0])
        mirror = np.ascontiguousarray(X[:, :, :, ::-1])
        total = None
        for net in nets:
            for blob, flip in ((X, False), (mirror, True)):
                net.setInput(blob)
                out = net.forward()[0, 0]
                out = out[:, ::-1] if flip else out
                total = out.copy() if total is None else total + out
        it["t"] = (total / (2 * len(nets)))[:gh // 2, :gw // 2].astype(np.float16)
        if (n + 1) % 500 == 0:
            print(f"  teacher: {n + 1}/{len(items)} items, {time.time() - t0:.0f} s", flush=True)


def pool2(t):
    import torch.nn.functional as F
    return F.avg_pool2d(t, 2)


def loss_fn(logits, Y, M, T=None, distill: float = 0.0):
    """BCE + soft IoU against the truth; with a teacher's logits ``T`` (--teacher), plus
    ``distill`` x the BCE against the teacher's probabilities."""
    import torch
    import torch.nn.functional as F
    y, m = pool2(Y), (pool2(M) > 0.99).float()
    bce = (F.binary_cross_entropy_with_logits(logits, y, reduction="none") * m).sum() / m.sum()
    if T is not None and distill > 0:
        taught = F.binary_cross_entropy_with_logits(logits, torch.sigmoid(T), reduction="none")
        bce = bce + distill * (taught * m).sum() / m.sum()
    p = torch.sigmoid(logits) * m
    inter = (p * y).sum(dim=(1, 2, 3))
    union = (p + y * m - p * y).sum(dim=(1, 2, 3))
    iou = 1.0 - ((inter + 1.0) / (union + 1.0)).mean()
    return bce + 0.5 * iou


def evaluate(model, items, device: str = "cpu") -> dict:
    """Mean IoU / MAE at the output grid, per scale (and softening): {"x1": (iou, mae), ...}."""
    import torch
    model.eval()
    res: dict[str, list[tuple[float, float]]] = {}
    with torch.no_grad():
        for it in items:
            for X, Y, M, _ in batches([it], 1, None, augment=False):
                p = torch.sigmoid(model(X.to(device))).cpu()
                y, m = pool2(Y), pool2(M) > 0.99
                pv, yv = p[m].numpy(), y[m].numpy()
                pb, yb = pv >= 0.5, yv >= 0.5
                u = np.count_nonzero(pb | yb)
                iou = np.count_nonzero(pb & yb) / u if u else 1.0
                key = f"x{it['scale']:g}" + (f" soft{it['soft']:g}" if "soft" in it else "")
                res.setdefault(key, []).append((iou, float(np.mean(np.abs(pv - yv)))))
    model.train()
    return {s: (float(np.mean([a for a, _ in v])), float(np.mean([b for _, b in v]))) for s, v in res.items()}


def tune_score(ev: dict) -> float:
    """The choice of the best epoch: the mean IoU over the tuning sets of :func:`evaluate`."""
    return float(np.mean([iou for iou, _ in ev.values()]))


def fold_exported(path: Path) -> str:
    """Rewrite the exported decoder joins into the equivalent, cheaper graph of
    tools/fold_skips.py (the same function; ~15 % less network time in cv2.dnn)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from fold_skips import fold
    from onnx_edit import rewrite

    return f"{rewrite(path, fold)} decoder joins folded by tools/fold_skips.py (the same function)"


def halve_exported(path: Path) -> str:
    """Store the exported weights as float16 (tools/half_weights.py: half the file; cv2.dnn
    runs the float32 network with the rounded weights).  After :func:`fold_exported`."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from half_weights import halve
    from onnx_edit import rewrite

    return (f"{rewrite(path, halve)} weight tensors stored as float16 by tools/half_weights.py, "
            "cast to float32 on loading")


def global_pool_fix(path: Path) -> None:
    """Replace a ReduceMean over (H, W) by GlobalAveragePool (the same mean), which every
    OpenCV cv2.dnn importer reads (OpenCV 4's classic importer has no ReduceMean)."""
    import onnx
    from onnx import helper

    m = onnx.load(str(path))
    nodes = m.graph.node
    for i, n in enumerate(nodes):
        if n.op_type == "ReduceMean":
            attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
            if list(attrs.get("axes", [])) == [2, 3] and attrs.get("keepdims", 1) == 1:
                nodes.remove(n)
                nodes.insert(i, helper.make_node("GlobalAveragePool", [n.input[0]], list(n.output), name=n.name))
    onnx.checker.check_model(m)
    onnx.save(m, str(path))


def main() -> None:
    global NOISE_SIGMAS, KURTOSIS, CHANNELS, WORKERS
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path, help="cuhk-native folder (images/, masks/)")
    ap.add_argument("--out", type=Path, default=ROOT / "livecut" / "models" / "focusnet.onnx")
    ap.add_argument("--cache", type=Path, default=ROOT / "scratch" / "engine-cache")
    ap.add_argument("--epochs", type=int, default=120)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=4e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ema", type=float, default=0.0,
                    help="keep an exponential moving average of the weights (and BatchNorm statistics) "
                         "with this decay per step, and evaluate / export the average (0: off)")
    ap.add_argument("--skips", default="concat", choices=("concat", "add"),
                    help="how FocusNet's decoder joins levels (tools/engine_net.py)")
    ap.add_argument("--widths", default="16,24,40,64",
                    help="channels of the four levels of FocusNet (tools/engine_net.py)")
    ap.add_argument("--swa", type=int, default=0, metavar="EPOCH",
                    help="also average the weights of every epoch from EPOCH on (stochastic weight "
                         "averaging over the low-rate tail; BatchNorm statistics recomputed on the "
                         "fitting set) and export the average if it scores better on the tuning "
                         "photos than the best single epoch (0: off)")
    ap.add_argument("--soft", type=int, default=0, metavar="N",
                    help="also fit on N softened versions of each fitting photo (detail at 1/1.5-1/2.5 "
                         "of the pixel scale: soft cameras, enlarged small pictures)")
    ap.add_argument("--paste", type=int, default=0, metavar="N",
                    help="also fit on N composites of each fitting photo's subject over another "
                         "fitting photo blurred all over (a disk of radius 2-8 px)")
    ap.add_argument("--select-soft", action="store_true",
                    help="choose the best epoch on the tuning photos as they are and softened 2x "
                         "(equal weight), not only as they are (for a network that judges soft frames)")
    ap.add_argument("--kurtosis", action="store_true",
                    help="also give the network the gradient's kurtosis (a 9th input channel; "
                         "use a --cache of its own)")
    ap.add_argument("--noise-sigmas", default=None, metavar="S,S,...",
                    help="sensor noise sigmas (gray levels) drawn from for each fitting example "
                         f"(default {','.join(f'{v:g}' for v in NOISE_SIGMAS)}; use a --cache of its own)")
    ap.add_argument("--workers", type=int, default=0, metavar="N",
                    help="build the caches with N processes, each photo from a generator of its own "
                         "(the same items for every N; 0: one process, the draws the shipped networks "
                         "were trained on); such caches go to a folder of their own, CACHE/pp")
    ap.add_argument("--cache-only", action="store_true",
                    help="build the caches the other options ask for, then stop (to train several "
                         "networks on them at once)")
    ap.add_argument("--teacher", default=None, metavar="ONNX,ONNX,...",
                    help="distil: add --distill x the BCE against the average answer of these networks "
                         "(e.g. the quality preset's ensemble) on each fitting item and its mirror image")
    ap.add_argument("--distill", type=float, default=1.0, metavar="W",
                    help="weight of the teacher's term (with --teacher)")
    ap.add_argument("--device", default="cpu", help="torch device to train on (cpu, cuda)")
    ap.add_argument("--max-minutes", type=float, default=0.0,
                    help="stop training after this many minutes, at the end of an epoch, and export "
                         "the best epoch so far (recorded in the provenance; 0: no limit)")
    ap.add_argument("--minutes", type=float, default=0.0,
                    help="train for this many minutes instead of --epochs: the cosine schedule runs "
                         "over the time, not the epochs (for a machine whose speed is not known in "
                         "advance; the epochs reached are recorded in the provenance; 0: off)")
    ap.add_argument("--split", type=Path, default=None, metavar="JSON",
                    help="take the split from this file (as written beside the model: lists 'fit', "
                         "'tune', 'val') instead of drawing it; the validation photos need not be present")
    args = ap.parse_args()
    if args.workers < 0:
        ap.error("--workers: 0 or more")
    WORKERS = args.workers
    if WORKERS:
        args.cache = args.cache / "pp"
    if args.noise_sigmas:
        try:
            NOISE_SIGMAS = tuple(float(v) for v in args.noise_sigmas.split(","))
        except ValueError:
            ap.error(f"--noise-sigmas {args.noise_sigmas!r}: expected numbers separated by commas")
        if any(not (0.0 <= v <= 64.0) for v in NOISE_SIGMAS):
            ap.error(f"--noise-sigmas {args.noise_sigmas!r}: each sigma from 0 to 64")
    KURTOSIS = args.kurtosis
    CHANNELS = 3 + N_CUES + int(KURTOSIS)

    # (a wrong path was a traceback: ModuleNotFoundError 'torch' without the train extra, else
    # FileNotFoundError from images/)
    # (images/ only, which the split is read from: a machine with the caches built may lack masks/)
    if not (args.data / "images").is_dir():
        ap.error(f"{args.data}: no images/ folder in it (give the cuhk-native folder, which holds "
                 "images/ and masks/)")
    try:
        import torch
    except ModuleNotFoundError:
        ap.error("training needs torch: pip install -e '.[train]' in the livecut checkout")
    from engine_net import FocusNet

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    names = sorted(p.name for p in (args.data / "images").iterdir() if p.suffix.lower() in (".jpg", ".png"))
    if args.split:
        parts = json.loads(args.split.read_text())
        missing = [n for n in parts["fit"] + parts["tune"] if n not in set(names)]
        if missing:
            ap.error(f"--split {args.split}: {len(missing)} fitting/tuning photos are not in {args.data}, "
                     f"e.g. {missing[0]}")
    else:
        parts = split(names)
    print(f"split: fit {len(parts['fit'])}, tune {len(parts['tune'])}, val {len(parts['val'])} (seed {SPLIT_SEED})")
    args.cache.mkdir(parents=True, exist_ok=True)
    fit = build_cache(args.data, parts["fit"], args.cache / "fit.npz", SCALES, noisy=True)
    tune = build_cache(args.data, parts["tune"], args.cache / "tune.npz", (1.0, 2.0), noisy=False)
    if args.select_soft:  # the best epoch is the best on the tuning photos as they are and softened
        tune = tune + build_cache(args.data, parts["tune"], args.cache / "tune_soft.npz", (1.0, 2.0),
                                  noisy=False, soft=TUNE_SOFT_FACTOR)
    fit = fit + build_whole_cache(args.data, parts["fit"], args.cache / "whole.npz")
    if args.soft:
        fit = fit + build_soft_cache(args.data, parts["fit"], args.cache / "soft.npz", args.soft)
    if args.paste:
        fit = fit + build_paste_cache(args.data, parts["fit"], args.cache / f"paste{args.paste}.npz", args.paste)
    if args.cache_only:
        print(f"caches in {args.cache}: fit {len(fit)} items, tune {len(tune)}")
        return
    if args.teacher:
        teach(fit, [Path(p) for p in args.teacher.split(",")])
    by_name: dict[str, list[dict]] = {}
    for it in fit:
        by_name.setdefault(it["name"], []).append(it)

    dev = torch.device(args.device)
    model = FocusNet(CHANNELS, tuple(int(x) for x in args.widths.split(",")), skips=args.skips).to(dev)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"FocusNet {model.widths}: {n_params} parameters")
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    rng = np.random.default_rng(args.seed)
    total = 10 ** 6 if args.minutes else args.epochs
    best, best_state, history = -1.0, None, []
    # the weight average (--ema): smooths the epoch-to-epoch swings of the tuning score
    ema = None
    if args.ema > 0:
        import copy
        ema = copy.deepcopy(model)
        for p in ema.parameters():
            p.requires_grad_(False)
    swa_state, swa_n = None, 0
    stopped = None
    t0 = time.time()
    for epoch in range(total):
        done = (time.time() - t0) / (60 * args.minutes) if args.minutes else epoch / total
        lr = args.lr * 0.5 * (1 + math.cos(math.pi * min(done, 1.0)))
        for g in opt.param_groups:
            g["lr"] = lr
        # one scale of each photo per epoch (all scales over a few epochs)
        items = [v[rng.integers(len(v))] for v in by_name.values()]
        losses = []
        for X, Y, M, T in batches(items, args.batch, rng, augment=True):
            X, Y, M = X.to(dev, non_blocking=True), Y.to(dev, non_blocking=True), M.to(dev, non_blocking=True)
            T = T.to(dev, non_blocking=True) if T is not None else None
            loss = loss_fn(model(X), Y, M, T, args.distill)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
            if ema is not None:
                with torch.no_grad():
                    for e, m in zip(ema.state_dict().values(), model.state_dict().values()):
                        if e.dtype.is_floating_point:
                            e.mul_(args.ema).add_(m, alpha=1.0 - args.ema)
                        else:
                            e.copy_(m)
        if args.swa and epoch + 1 >= args.swa:
            with torch.no_grad():
                if swa_state is None:
                    swa_state = {k: v.detach().clone().double() for k, v in model.state_dict().items()}
                    swa_n = 1
                else:
                    swa_n += 1
                    for k, v in model.state_dict().items():
                        swa_state[k] += (v.double() - swa_state[k]) / swa_n
        judged = ema if ema is not None else model
        spent = time.time() - t0
        out_of_time = ((bool(args.max_minutes) and spent > 60 * args.max_minutes)
                       or (bool(args.minutes) and spent > 60 * args.minutes))
        if epoch % 3 == 2 or epoch == total - 1 or out_of_time:
            ev = evaluate(judged, tune, args.device)
            score = tune_score(ev)
            history.append({"epoch": epoch + 1, "loss": float(np.mean(losses)), "tune": ev})
            mark = ""
            if score > best:
                best, mark = score, " *"
                best_state = {k: v.detach().clone() for k, v in judged.state_dict().items()}
                best_epoch = epoch + 1
            print(f"epoch {epoch + 1:3d}/{'-' if args.minutes else total} lr {lr:.4f} loss {np.mean(losses):.4f} "
                  f"tune IoU/MAE " + " ".join(f"{s} {a:.3f}/{b:.3f}" for s, (a, b) in sorted(ev.items()))
                  + f"  {time.time() - t0:.0f} s{mark}", flush=True)
        if out_of_time and epoch + 1 < total:
            stopped = epoch + 1
            if not args.minutes:
                print(f"stopped after epoch {stopped} of {total}: --max-minutes {args.max_minutes:g}", flush=True)
            break
    swa_note = None
    if swa_state is not None:
        # the average's weights, with BatchNorm statistics measured anew under them
        model.load_state_dict({k: v.to(best_state[k].dtype) for k, v in swa_state.items()})
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.reset_running_stats()
                m.momentum = None  # a plain average over the pass
        model.train()
        with torch.no_grad():
            for X, _, _, _ in batches(list(fit), args.batch, np.random.default_rng(0), augment=False):
                model(X.to(dev))
        ev = evaluate(model, tune, args.device)
        score = tune_score(ev)
        print(f"weight average of epochs {args.swa}-{total} ({swa_n}): tune IoU/MAE "
              + " ".join(f"{s} {a:.3f}/{b:.3f}" for s, (a, b) in sorted(ev.items()))
              + f" ({score:.3f} against the best epoch's {best:.3f})", flush=True)
        swa_note = {"from_epoch": args.swa, "epochs": swa_n, "tune_iou_at_grid": score,
                    "exported": score > best}
        if score > best:
            best, best_epoch = score, f"average of {args.swa}-{total}"
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    model.cpu().eval()
    best_state = {k: v.cpu() for k, v in best_state.items()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.zeros(1, CHANNELS, 144, 240)
    torch.onnx.export(model, dummy, str(args.out), dynamo=False, input_names=["x"], output_names=["logits"],
                      dynamic_axes={"x": {2: "h", 3: "w"}, "logits": {2: "h2", 3: "w2"}}, opset_version=13)
    info = {
        "model": args.out.name, "architecture": f"tools/engine_net.py FocusNet{model.widths}"
                        + (f", skips={model.skips!r}" if model.skips != "concat" else ""),
        "parameters": n_params,
        "input": f"1 x {CHANNELS} x H x W (livecut.segment.cues.CueExtractor"
                 + (", kurtosis=True" if KURTOSIS else "") + "), H, W multiples of 16",
        "output": "logits at H/2 x W/2",
        "training_data": "CUHK blur detection benchmark (Shi, Xu, Jia, CVPR 2014), defocus part, "
                         "500 photos at native resolution (shared/datasets/cuhk-native); research use",
        "split": {"seed": SPLIT_SEED, **{k: len(v) for k, v in parts.items()}},
        "scales": SCALES, "noise_sigmas": NOISE_SIGMAS,
        "softened": ({"per_photo": args.soft, "factors": SOFT_FACTORS, "scales": SOFT_SCALES}
                     if args.soft else None),
        "pasted": ({"per_photo": args.paste, "disk_radii": PASTE_RADII} if args.paste else None),
        "best_epoch_chosen_on": "tuning photos at x1, x2" + (
            f" and softened {TUNE_SOFT_FACTOR:g}x at x1, x2" if args.select_soft else ""),
        "whole_frame_examples": f"{N_WHOLE} synthetic sharp-all-over frames (target: all) and {N_WHOLE} "
                                "fitting photos disk-blurred all over (target: none), at every scale", "epochs": stopped if args.minutes else total, "best_epoch": best_epoch,
        "stopped_after_epoch": stopped, "trained_on": args.device,
        "schedule_minutes": args.minutes or None,
        "teacher": ({"networks": [Path(p).name for p in args.teacher.split(",")], "distill": args.distill,
                     "mirrored": True} if args.teacher else None),
        "seed": args.seed, "weight_average": args.ema or None, "swa": swa_note, "tune_iou_at_grid": best, "trained_seconds": round(time.time() - t0),
        "command": "python tools/train_engine.py " + " ".join(sys.argv[1:]),
    }
    global_pool_fix(args.out)
    info["graph"] = fold_exported(args.out)
    info["weights"] = halve_exported(args.out)
    torch.save(best_state, args.cache / f"{args.out.stem}.pt")
    args.out.with_suffix(".json").write_text(json.dumps(info, indent=2) + "\n")
    (args.out.parent / "cuhk_split.json").write_text(json.dumps(parts, indent=1) + "\n")
    (args.cache / f"{args.out.stem}.history.json").write_text(json.dumps(history, indent=1))
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes), best epoch {best_epoch}, tune IoU {best:.3f}")


if __name__ == "__main__":
    main()
