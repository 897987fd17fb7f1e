"""Write the small images+masks folder ``livecut eval`` runs on in a fresh clone.

    python sample_videos/make_eval_set.py            # sample_videos/eval/{images,masks}/
    python sample_videos/make_eval_set.py OUTDIR     # or OUTDIR/{images,masks}/

Eight stills rendered by ``make_samples.py`` (frames of ``moving.mp4`` and of
``still_noisy.mp4`` before encoding, as JPEG) and their exact ground truth (PNG,
255 = in focus, same stem).  Synthetic and easy: it shows how ``livecut eval``
is used and catches regressions, it does not measure quality on real photos.
Deterministic, self-contained (numpy and OpenCV only).
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_samples import render  # noqa: E402

PICKS = {"moving": (0, 12, 24, 36, 48, 60, 74), "still_noisy": (0,)}


def main(outdir: Path = HERE / "eval") -> None:
    images, masks = outdir / "images", outdir / "masks"
    images.mkdir(parents=True, exist_ok=True)
    masks.mkdir(parents=True, exist_ok=True)
    for name, picks in PICKS.items():
        frames, gts = render(name)
        for i in picks:
            stem = f"{name}_{i:03d}"
            cv2.imwrite(str(images / f"{stem}.jpg"), frames[i], [cv2.IMWRITE_JPEG_QUALITY, 90])
            cv2.imwrite(str(masks / f"{stem}.png"), gts[i])
    print(f"wrote {sum(len(p) for p in PICKS.values())} images and masks to {outdir}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "eval")
