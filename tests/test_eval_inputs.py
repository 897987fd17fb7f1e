"""``livecut eval IMAGES MASKS`` on datasets as other people make them: mask formats and
conventions, sizes, names and folders, scales, the contact sheet (audit of its inputs)."""

from __future__ import annotations

import base64
import importlib
import json
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import APPEND_ONLY, refuse_removal
from typer.testing import CliRunner

from livecut.cli import app
from synth import make_scene

W, H = 200, 150


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png(arr: np.ndarray, color_type: int, palette: list[int] | None = None) -> bytes:
    """A PNG written by hand: 8-bit ``color_type`` (3: palette, 4: gray + alpha)."""
    h, w = arr.shape[:2]
    raw = b"".join(b"\0" + arr[y].tobytes() for y in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)
    plte = _chunk(b"PLTE", bytes(palette)) if palette else b""
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + plte + _chunk(b"IDAT", zlib.compress(raw))
            + _chunk(b"IEND", b""))


@pytest.fixture
def photos(tmp_path) -> tuple[Path, Path, dict]:
    """IMAGES (two photos), MASKS (their 0/255 masks), and the masks as arrays."""
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    truths = {}
    for i, name in enumerate(("basic", "several")):
        img, gt = make_scene(name, W, H, seed=i)
        cv2.imwrite(str(images / f"{name}.png"), img)
        cv2.imwrite(str(masks / f"{name}.png"), gt)
        truths[name] = gt
    return images, masks, truths


def _scores(images, masks, *extra) -> dict:
    r = invoke("eval", images, masks, "--json", *extra)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def _earlier_page(p: Path) -> bytes:
    """A page of a contact sheet of an earlier run at ``p`` (one row); its bytes."""
    from livecut import evaluate

    page = np.full((evaluate.SHEET_ROW + 4, evaluate.SHEET_LABEL + 100, 3), 255, np.uint8)
    page[:evaluate.SHEET_ROW] = 90
    data = cv2.imencode(".jpg" if p.suffix == ".jpg" else ".png", page)[1].tobytes()
    p.write_bytes(data)
    return data


# ---------------------------------------------------------------- mask formats and conventions

def _deep(gt: np.ndarray, bits: int) -> np.ndarray:
    """``gt`` with soft edges as a ``bits``-bit matte stored in a 16-bit array (0 .. 2**bits - 1)."""
    soft = cv2.GaussianBlur(gt, (0, 0), 1).astype(np.float32) / 255
    return np.round(soft * (2 ** bits - 1)).astype(np.uint16)


def _variants(gt: np.ndarray) -> dict:
    """The same truth (255 = in focus) written as other tools write masks: (extension, bytes)."""
    on = gt >= 128
    z = np.zeros_like(gt)
    bits = on.astype(np.uint8)

    def enc(ext, arr, *params):
        return ext, cv2.imencode(ext, arr, list(params))[1].tobytes()

    red = cv2.merge([z, z, gt])
    cutout = make_scene("basic", W, H, seed=7)[0]
    return {
        "0-1": enc(".png", bits),
        "0-1 16-bit": enc(".png", bits.astype(np.uint16)),
        "16-bit": enc(".png", gt.astype(np.uint16) * 257),
        "16-bit of 8-bit values, soft edges": enc(".png", cv2.GaussianBlur(gt, (0, 0), 1).astype(np.uint16)),
        "16-bit of 10-bit values, soft edges": enc(".png", _deep(gt, 10)),
        "16-bit of 12-bit values, soft edges": enc(".png", _deep(gt, 12)),
        "red on black": enc(".png", red),
        "alpha, black colour": enc(".png", cv2.merge([z, z, z, gt])),
        "cutout (photo + alpha)": enc(".png", cv2.merge([*cv2.split(cutout), gt])),
        "gray + alpha": (".png", _png(np.dstack([z, gt]), 4)),
        "palette, VOC colours": (".png", _png(bits, 3, [0, 0, 0, 128, 0, 0])),
        "palette, dark label": (".png", _png(bits, 3, [0, 0, 0, 64, 0, 0])),
        "float tiff 0..1": enc(".tif", on.astype(np.float32)),
        "float tiff 0..255": enc(".tif", gt.astype(np.float32)),
        "jpeg": enc(".jpg", gt, cv2.IMWRITE_JPEG_QUALITY, 70),
        "bmp": enc(".bmp", gt),
        "tiff": enc(".tiff", gt),
    }


def test_every_mask_convention_scores_as_the_plain_mask(photos, tmp_path):
    """0/1 masks (8 and 16 bit), coloured masks, a palette PNG whose label colour is dark,
    cutouts whose alpha is the mask and float masks in 0..1 were read as gray >= 128: an
    all-empty (or all-full) truth, scores of nothing, no word said; so was a 16-bit mask of
    8-bit values (0-255) with soft edges, at 32768 of 65535.  A float mask of 0..255 is read
    too (a picture of floats beyond 0-1 is refused as light, a mask is not)."""
    images, masks, truths = photos
    plain = _scores(images, masks)
    assert plain["mean"]["iou"] > 0.6
    variants = {name: _variants(gt) for name, gt in truths.items()}
    wrong = {}
    for kind in variants["basic"]:
        d = tmp_path / ("m-" + kind.replace(" ", "_").replace(",", "").replace("/", "-"))
        d.mkdir()
        for name in truths:
            ext, data = variants[name][kind]
            (d / f"{name}{ext}").write_bytes(data)
        got = _scores(images, d)
        if [r["iou"] for r in got["images"]] != pytest.approx([r["iou"] for r in plain["images"]], abs=0.01):
            wrong[kind] = [round(r["iou"], 3) for r in got["images"]]
    assert not wrong, f"plain {[round(r['iou'], 3) for r in plain['images']]}: {wrong}"


@pytest.mark.parametrize("bits", [10, 12])
def test_a_soft_16_bit_mask_of_10_or_12_bit_values_is_read_and_said(photos, tmp_path, bits):
    """A soft 10- or 12-bit matte stored in a 16-bit PNG (0..1023, 0..4095) was cut at 32768:
    an empty truth, IoU 0.000 for every photo and not a word.  It is read from half its own
    range, and a note says so."""
    images, masks, truths = photos
    plain = _scores(images, masks)
    deep = tmp_path / "deep"
    deep.mkdir()
    for name, gt in truths.items():
        cv2.imwrite(str(deep / f"{name}.png"), _deep(gt, bits))
    got = _scores(images, deep)
    assert [r["iou"] for r in got["images"]] == pytest.approx([r["iou"] for r in plain["images"]], abs=0.01)
    assert sorted(got["deep_masks"]) == ["basic.png", "several.png"]
    r = invoke("eval", images, deep)
    assert r.exit_code == 0 and "read as 10- or 12-bit" in r.stderr, r.output
    assert "read as 10- or 12-bit" not in invoke("eval", images, masks).stderr  # (8-bit: no note)


def test_a_0_1_mask_saved_as_jpeg_is_read(photos, tmp_path):
    """A 0/1 mask saved as JPEG (values 0, 1 and 2) was read from 128 up: an empty truth,
    IoU 0.000 for every photo, without a word. (The JPEG's own rounding at the edges costs
    a little against the plain mask.)"""
    images, masks, truths = photos
    plain = _scores(images, masks)
    jpegs = tmp_path / "jpeg"
    jpegs.mkdir()
    for name, gt in truths.items():
        cv2.imwrite(str(jpegs / f"{name}.jpg"), (gt >= 128).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 90])
        assert cv2.imread(str(jpegs / f"{name}.jpg"), cv2.IMREAD_GRAYSCALE).max() == 2
    got = _scores(images, jpegs)
    assert [r["iou"] for r in got["images"]] == pytest.approx([r["iou"] for r in plain["images"]], abs=0.06)


def test_read_truth_levels():
    """The rules of read_truth on arrays: two levels (the higher in focus), 0/1, soft edges
    from half the range, a single value, a photo refused."""
    from livecut.errors import ImageReadError
    from livecut.evaluate import read_truth

    def truth(arr, tmp=Path(__import__("tempfile").mkdtemp()), **kw):
        p = tmp / "m.png"
        cv2.imwrite(str(p), arr)
        return read_truth(p, **kw)

    m = np.zeros((40, 40), np.uint8)
    m[10:30, 10:30] = 40
    assert np.array_equal(truth(m) > 0, m > 0)  # (0 and 40: the label is the higher)
    assert np.array_equal(truth(m, invert=True) > 0, m == 0)
    soft = cv2.GaussianBlur(m * 6, (0, 0), 2)  # soft edges: in focus from 128 up
    assert np.array_equal(truth(soft) > 0, soft >= 128)
    assert not truth(np.zeros((40, 40), np.uint8)).any() and truth(np.full((40, 40), 255, np.uint8)).all()
    assert truth(np.ones((40, 40), np.uint8)).all()  # (all 1: a 0/1 mask, all in focus)
    photo = make_scene("basic", 80, 60, seed=0)[0]
    with pytest.raises(ImageReadError, match="not a mask"):
        truth(photo)


def test_a_mask_with_an_alpha_of_one_value_is_its_colours(tmp_path):
    """A mask whose alpha channel is 0 everywhere (a mask saved as RGBA with a blank alpha, its
    subject white in the colours) was read as its alpha: an empty truth, IoU 0 without a word.
    An alpha of one value draws no shape: the colours are the mask; an alpha that draws one is
    (a cutout); a cutout transparent everywhere, its colours a photo's, is empty, not a photo."""
    from PIL import Image

    from livecut.evaluate import read_truth

    def truth(arr, name):
        p = tmp_path / f"{name}.png"
        cv2.imwrite(str(p), arr)
        return read_truth(p)

    gt = np.zeros((40, 40), np.uint8)
    gt[10:30, 10:30] = 255
    for a in (0, 7, 255):  # (transparent, all but transparent, opaque everywhere)
        bgra = np.dstack([gt, gt, gt, np.full_like(gt, a)])
        assert np.array_equal(truth(bgra, f"bgra{a}"), gt), a
        Image.fromarray(np.dstack([gt, np.full_like(gt, a)]), "LA").save(tmp_path / f"la{a}.png")
        assert np.array_equal(read_truth(tmp_path / f"la{a}.png"), gt), a  # (gray + alpha)
    cutout = np.dstack([np.full((40, 40, 3), 200, np.uint8), gt])  # (a grey subject, its alpha the shape)
    assert np.array_equal(truth(cutout, "cutout"), gt)
    photo = make_scene("basic", 40, 40, seed=0)[0]
    assert not truth(np.dstack([photo, np.zeros_like(gt)]), "nothing").any()



def _band(gt: np.ndarray, r: int = 4) -> np.ndarray:
    k = np.ones((2 * r + 1, 2 * r + 1), np.uint8)
    return cv2.dilate(gt, k) != cv2.erode(gt, k)


def test_a_trimap_s_unknown_band_is_left_out_of_the_scores(photos, tmp_path):
    """A trimap (0 / 128 / 255, the matting sets' truth: 128 the unknown band around the
    subject) was read in focus from 128, its unknown band counted as subject. Its grey pixels
    are now left out of IoU, F and MAE, said in a note and in --json's "trimaps"."""
    images, masks, truths = photos
    gt = truths["basic"]
    band = _band(gt)
    tri = gt.copy()
    tri[band] = 128
    cv2.imwrite(str(masks / "basic.png"), tri)
    (images / "several.png").unlink()
    (masks / "several.png").unlink()
    r = invoke("eval", images, masks, "--json", "--set", "segment.method=canny")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["trimaps"] == ["basic.png"]
    assert "1 mask(s) are trimaps" in r.stderr and "left out of IoU, F and MAE: basic.png" in r.stderr
    # the scores of the known pixels alone, from the cutout livecut image makes of the photo
    out = tmp_path / "cut"
    assert invoke("image", images / "basic.png", "-o", out, "--set", "segment.method=canny").exit_code == 0
    alpha = cv2.imread(str(out / "basic.png"), cv2.IMREAD_UNCHANGED)[:, :, 3]
    keep = ~band
    pred, truth = alpha[keep] >= 128, gt[keep] >= 128
    tp, fp, fn = (np.count_nonzero(pred & truth), np.count_nonzero(pred & ~truth),
                  np.count_nonzero(~pred & truth))
    p, rc = tp / (tp + fp), tp / (tp + fn)
    row = data["images"][0]
    assert row["iou"] == pytest.approx(tp / (tp + fp + fn), abs=1e-9)
    assert row["f"] == pytest.approx(1.3 * p * rc / (0.3 * p + rc), abs=1e-9)
    assert row["mae"] == pytest.approx(np.mean(np.abs(alpha[keep] / 255.0 - truth)), abs=1e-6)
    # the band counted in focus, as before, scores otherwise
    wide = np.where(band, 255, gt).astype(np.uint8) >= 128
    assert row["iou"] != pytest.approx(np.count_nonzero((alpha >= 128) & wide)
                                       / np.count_nonzero((alpha >= 128) | wide), abs=1e-6)


def test_read_truth_takes_three_levels_for_a_trimap_only_when_they_are_one(tmp_path):
    """Black, the top of the range and one grey between a quarter and three quarters of it (8 or
    16 bits) are a trimap; another third level (a soft edge's, a label's) is read as before."""
    from livecut.evaluate import read_truth, score

    gt = np.zeros((40, 40), np.uint8)
    gt[10:30, 10:30] = 255
    band = _band(gt, 2)
    for grey, dtype, top, is_trimap in ((128, np.uint8, 255, True), (127, np.uint8, 255, True),
                                        (32768, np.uint16, 65535, True), (30, np.uint8, 255, False),
                                        (230, np.uint8, 255, False)):
        m = np.where(gt > 0, top, 0).astype(dtype)
        m[band] = grey
        path = tmp_path / f"m{grey}.png"
        cv2.imwrite(str(path), m)
        tri: dict = {}
        truth = read_truth(path, trimap=tri)
        assert ("unknown" in tri) == is_trimap, grey
        if is_trimap:
            assert np.array_equal(tri["unknown"], band)
            assert np.array_equal(truth[~band], gt[~band])
        assert np.array_equal(read_truth(path), np.where(m >= (top + 1) // 2, 255, 0).astype(np.uint8))
    alpha = np.where(band, 255, gt).astype(np.uint8)  # wrong in the band alone
    assert score(alpha, gt, ignore=band) == score(gt, gt)
    assert score(alpha, gt).iou < 1


def test_a_trimap_saved_as_jpeg_is_read_as_a_trimap(photos, tmp_path):
    """A trimap saved as JPEG (0/128/255 comes back as values near them at any quality, 0-7,
    120-136, 248-255 at 95, a few between where its levels meet) was read as a soft mask, in
    focus from 128: its unknown band cut in two at random, half of it scored as subject. Its
    levels are taken to the nearest of the three now, the grey band left out and said; a soft
    mask, a two-level one and a soft one saved as JPEG are read as before, and a photo given
    as a mask is still refused."""
    from livecut.errors import ImageReadError
    from livecut.evaluate import read_truth

    images, masks, truths = photos
    gt = truths["basic"]
    band = _band(gt)
    for grey in (128, 100):
        tri = gt.copy()
        tri[band] = grey
        for q in (75, 90, 100):
            path = tmp_path / f"t{grey}_{q}.jpg"
            cv2.imwrite(str(path), tri, [cv2.IMWRITE_JPEG_QUALITY, q])
            assert len(np.unique(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE))) > 3  # (not three levels)
            got: dict = {}
            truth = read_truth(path, trimap=got)
            assert np.array_equal(got.get("unknown"), band), (grey, q)
            assert np.array_equal(truth[~band], gt[~band]), (grey, q)
    soft = cv2.GaussianBlur(gt, (0, 0), 2)
    for name, m in (("soft.png", soft), ("soft.jpg", soft), ("two.jpg", gt)):
        cv2.imwrite(str(tmp_path / name), m, [cv2.IMWRITE_JPEG_QUALITY, 75])
        got = {}
        assert np.array_equal(read_truth(tmp_path / name, trimap=got), read_truth(tmp_path / name)), name
        assert "unknown" not in got, name
    cv2.imwrite(str(tmp_path / "photo.jpg"), cv2.imread(str(images / "basic.png")))
    with pytest.raises(ImageReadError, match="not a mask"):
        read_truth(tmp_path / "photo.jpg", trimap={})
    # scored as the trimap saved losslessly is, and said
    tri = gt.copy()
    tri[band] = 128
    (masks / "several.png").unlink()
    (images / "several.png").unlink()
    cv2.imwrite(str(masks / "basic.png"), tri)
    exact = _scores(images, masks, "--set", "segment.method=canny")
    (masks / "basic.png").unlink()
    cv2.imwrite(str(masks / "basic.jpg"), tri, [cv2.IMWRITE_JPEG_QUALITY, 90])
    r = invoke("eval", images, masks, "--json", "--set", "segment.method=canny")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["trimaps"] == ["basic.png"] and "1 mask(s) are trimaps" in r.stderr
    assert {k: v for k, v in data["images"][0].items() if k != "ms"} == \
        {k: v for k, v in exact["images"][0].items() if k != "ms"}

def test_a_mask_with_nothing_in_focus_is_said(photos, tmp_path):
    """A mask with nothing in focus (all black; all white with --invert) scored IoU 0 and F 0
    whatever the cut, and nothing said why: a note names it, --json lists it."""
    images, masks, truths = photos
    name = sorted(truths)[0]
    (tmp_path / "i").mkdir()
    photo = next(p for p in images.iterdir() if p.stem == name)
    (tmp_path / "i" / photo.name).write_bytes(photo.read_bytes())
    for d, value, extra in (("black", 0, ()), ("white", 255, ("--invert",))):
        (tmp_path / d).mkdir()
        cv2.imwrite(str(tmp_path / d / f"{name}.png"), np.full(truths[name].shape, value, np.uint8))
        r = invoke("eval", tmp_path / "i", tmp_path / d, *extra)
        assert r.exit_code == 0, r.output
        assert "note: 1 mask(s) with nothing in focus" in r.stderr and photo.name in r.stderr, r.stderr
        assert _scores(tmp_path / "i", tmp_path / d, *extra)["empty_masks"] == [photo.name]
    assert "nothing in focus" not in invoke("eval", tmp_path / "i", masks).stderr


def test_photos_given_as_masks_are_refused(photos, tmp_path):
    """`livecut eval IMAGES IMAGES2` (the photos again where the masks go) scored each photo
    against itself thresholded: numbers, and no word."""
    images, _, _ = photos
    copies = tmp_path / "copies"
    copies.mkdir()
    for p in images.iterdir():
        (copies / p.name).write_bytes(p.read_bytes())
    r = invoke("eval", images, copies)
    assert r.exit_code == 2 and "not a mask" in r.stderr, r.output


def test_folders_given_the_wrong_way_round_are_said_in_a_short_line(tmp_path):
    """`livecut eval MASKS IMAGES` (the folders swapped) on a set of many photos was one line
    with the error of every photo in it (500 photos: ~80,000 characters); the line says the
    first few and how many more."""
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    for i in range(7):
        img, gt = make_scene("basic", 80, 60, seed=i)
        cv2.imwrite(str(images / f"p{i}.png"), img)
        cv2.imwrite(str(masks / f"p{i}.png"), gt)
    r = invoke("eval", masks, images)
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "no image could be evaluated" in lines[0] and "not a mask" in lines[0]
    assert "p2.png" in lines[0] and "p3.png" not in lines[0] and "4 more" in lines[0]


def test_invert_takes_masks_of_the_blurred_part(photos, tmp_path):
    images, masks, truths = photos
    inverted = tmp_path / "inverted"
    inverted.mkdir()
    for name, gt in truths.items():
        cv2.imwrite(str(inverted / f"{name}.png"), 255 - gt)
    plain = _scores(images, masks)
    got = _scores(images, inverted, "--invert")
    assert [r["iou"] for r in got["images"]] == pytest.approx([r["iou"] for r in plain["images"]], abs=0.01)
    assert _scores(images, inverted)["mean"]["iou"] < 0.3


# ---------------------------------------------------------------- sizes

def test_mask_of_another_size_is_resized_only_when_it_has_the_photo_s_shape(photos):
    """A mask at half size is resized (and said so); one of another shape (another photo's)
    was stretched to the photo without a word and scored."""
    images, masks, truths = photos
    plain = _scores(images, masks)
    cv2.imwrite(str(masks / "basic.png"), cv2.resize(truths["basic"], (W // 2, H // 2),
                                                     interpolation=cv2.INTER_NEAREST))
    r = invoke("eval", images, masks, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["resized_masks"] == ["basic.png"] and "resized" in r.stderr
    assert data["images"][0]["iou"] == pytest.approx(plain["images"][0]["iou"], abs=0.06)
    cv2.imwrite(str(masks / "basic.png"), cv2.resize(truths["basic"], (H, H)))  # square: not this photo
    r = invoke("eval", images, masks, "--json")
    assert r.exit_code == 2 and "not the same shape" in r.stderr and "150x150" in r.stderr, r.output
    data = json.loads(r.stdout)
    assert data["count"] == 1 and data["images"][0]["name"] == "several.png"


@pytest.mark.parametrize("w, h", [(1, 1), (2, 2), (12, 9)])
def test_a_tiny_mask_is_not_stretched_over_its_photo(photos, w, h):
    """A 1x1 or 2x2 mask (any aspect within a pixel of it) was taken as the photo's shape at
    another size, stretched over the 200x150 photo and scored, said only 'resized to it'. A mask
    under 16 px a side at another size than its photo is an error, as a mask of another shape is
    (one at half the photo's size is still resized: see the test above)."""
    images, masks, truths = photos
    cv2.imwrite(str(masks / "basic.png"), np.full((h, w), 255, np.uint8))
    r = invoke("eval", images, masks, "--json")
    assert r.exit_code == 2, r.output
    assert (f"the mask is {w}x{h}, its photo basic.png {W}x{H}: too small to be resized to it "
            "(a mask under 16 px a side is taken at its photo's size only)") in r.stderr, r.stderr
    data = json.loads(r.stdout)
    assert data["count"] == 1 and data["images"][0]["name"] == "several.png" and data["resized_masks"] == []


# ---------------------------------------------------------------- names and folders

def _with_orientation(jpg: bytes, orientation: int) -> bytes:
    """``jpg`` with an EXIF APP1 segment whose IFD0 holds only the Orientation tag."""
    tiff = (b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1)
            + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack("<I", 0))
    app1 = b"Exif\x00\x00" + tiff
    return jpg[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + jpg[2:]


def test_a_truth_drawn_on_a_turned_photo_as_stored_at_another_size_is_resized(tmp_path):
    """A photo with EXIF orientation 6 and its truth drawn on it as stored at twice its size
    was "the mask is 400x300, its photo a.jpg 150x200: not the same shape" (exit 2); at its
    own size it was paired."""
    img, gt = make_scene("basic", W, H, seed=0)
    jpg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
    scores = {}
    for scale in (1, 2):
        images, masks = tmp_path / f"i{scale}", tmp_path / f"m{scale}"
        images.mkdir()
        masks.mkdir()
        (images / "a.jpg").write_bytes(_with_orientation(jpg, 6))
        cv2.imwrite(str(masks / "a.png"), cv2.resize(gt, (W * scale, H * scale), interpolation=cv2.INTER_NEAREST))
        data = _scores(images, masks)
        assert data["resized_masks"] == ([] if scale == 1 else ["a.jpg"])
        scores[scale] = data["mean"]["iou"]
    assert scores[1] > 0.7 and scores[2] == pytest.approx(scores[1], abs=0.01)


def test_names_match_in_any_letter_case_and_extension_and_leftovers_are_said(photos):
    images, masks, truths = photos
    (images / "basic.png").rename(images / "BASIC.PNG")
    (masks / "several.png").rename(masks / "Several.bmp")
    cv2.imwrite(str(masks / "orphan.png"), truths["basic"])  # a mask without a photo
    for junk in ("Thumbs.db", ".DS_Store", "._basic.png", "notes.txt"):
        (images / junk).write_bytes(b"junk")
        (masks / junk).write_bytes(b"junk")
    r = invoke("eval", images, masks, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert [row["name"] for row in data["images"]] == ["BASIC.PNG", "several.png"]
    assert data["without_image"] == ["orphan.png"] and "1 mask(s) without an image" in r.stderr


def test_masks_named_as_their_photo_plus_mask_or_gt_are_paired_and_said(photos, tmp_path):
    """masks/basic_mask.png for images/basic.png (a common layout) was "no image has a mask of
    the same name"; such masks pair with their photo and a note says so. A mask another photo
    has by its own name is not taken, nor is an ending that is not a mask's word."""
    images, masks, truths = photos
    plain = _scores(images, masks)
    for name in truths:
        (masks / f"{name}.png").rename(masks / f"{name}_Mask.png")
    r = invoke("eval", images, masks, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    def without_ms(rows):
        return [{k: v for k, v in row.items() if k != "ms"} for row in rows]

    assert without_ms(data["images"]) == without_ms(plain["images"])  # the same pairs, scores
    assert data["mask_ending"] == "_Mask" and not data["without_mask"] and not data["without_image"]
    assert "plus '_Mask'" in r.stderr and plain["mask_ending"] == ""
    # basic.png keeps its own mask; basic_mask.png is then a mask without an image
    cv2.imwrite(str(masks / "basic.png"), truths["basic"])
    cv2.imwrite(str(images / "basic_gt.png"), cv2.imread(str(images / "basic.png")))  # a photo named so
    data = _scores(images, masks, "--set", "segment.method=canny")
    assert [row["name"] for row in data["images"]] == ["basic.png", "several.png"]
    assert data["without_mask"] == ["basic_gt.png"] and data["without_image"] == ["basic_Mask.png"]
    # an ending that is not a mask's word pairs nothing
    (images / "basic_gt.png").unlink()
    (masks / "basic.png").unlink()
    (masks / "basic_Mask.png").rename(masks / "basic_v2.png")
    data = _scores(images, masks, "--set", "segment.method=canny")
    assert data["without_mask"] == ["basic.png"] and data["without_image"] == ["basic_v2.png"]


def test_masks_named_as_their_photo_after_mask_or_gt_are_paired_and_said(photos):
    """masks/GT_basic.png or mask_basic.png for images/basic.png (as many sets name them) was
    "no image has a mask of the same name", as basic_mask.png was; such masks pair with their
    photo, in a subfolder too, and a note says so. Not when a prefix and an ending are as common
    (no guess), nor a mask another photo has by its own name."""
    images, masks, truths = photos
    canny = ("--set", "segment.method=canny")
    plain = _scores(images, masks, *canny)
    for name in truths:
        (masks / f"{name}.png").rename(masks / f"GT_{name}.png")
    r = invoke("eval", images, masks, "--json", *canny)
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)

    def without_ms(rows):
        return [{k: v for k, v in row.items() if k != "ms"} for row in rows]

    assert without_ms(data["images"]) == without_ms(plain["images"])  # the same pairs, scores
    assert data["mask_prefix"] == "GT_" and data["mask_ending"] == ""
    assert not data["without_mask"] and not data["without_image"]
    assert "after 'GT_'" in r.stderr and plain["mask_prefix"] == ""
    # in a subfolder: x/mask-basic.png for x/basic.png
    for d in (images, masks):
        (d / "x").mkdir()
    (images / "basic.png").rename(images / "x" / "basic.png")
    (masks / "GT_basic.png").rename(masks / "x" / "mask-basic.png")
    (masks / "GT_several.png").rename(masks / "mask-several.png")
    data = _scores(images, masks, *canny)
    assert sorted(without_ms(data["images"]), key=lambda row: row["name"][-10:]) == \
        [dict(row, name="x/basic.png") if row["name"] == "basic.png" else row for row in without_ms(plain["images"])]
    assert data["mask_prefix"] == "mask-" and not data["without_mask"] and not data["without_image"]
    # a prefix and an ending as common: neither is a guess
    (images / "x" / "basic.png").rename(images / "basic.png")
    (masks / "x" / "mask-basic.png").rename(masks / "basic_gt.png")
    r = invoke("eval", images, masks, *canny)
    assert r.exit_code == 2 and "no image" in r.output and "has a mask of the same name" in r.output
    # a photo named gt_basic.png keeps its own mask; basic.png does not take it
    (masks / "basic_gt.png").rename(masks / "gt_basic.png")
    (masks / "mask-several.png").rename(masks / "gt_several.png")
    cv2.imwrite(str(images / "gt_basic.png"), cv2.imread(str(images / "basic.png")))
    data = _scores(images, masks, *canny)
    assert [row["name"] for row in data["images"]] == ["gt_basic.png", "several.png"]
    assert data["without_mask"] == ["basic.png"] and not data["without_image"] and data["mask_prefix"] == "gt_"


def test_a_note_of_more_than_three_names_says_where_they_all_are(photos):
    """37 photos without a mask were said as 'a, b, c ...': which they were was nowhere in
    the text output."""
    images, masks, truths = photos
    img = cv2.imread(str(images / "basic.png"))
    for k in range(5):
        cv2.imwrite(str(images / f"extra{k}.png"), img)
    r = invoke("eval", images, masks, "--set", "segment.method=canny")
    assert r.exit_code == 0, r.output
    assert "5 image(s) without a mask" in r.stderr
    assert "extra0.png, extra1.png, extra2.png ... (--json lists them all)" in r.stderr
    assert json.loads(invoke("eval", images, masks, "--json", "--set", "segment.method=canny").stdout)[
        "without_mask"] == [f"extra{k}.png" for k in range(5)]


def test_gif_masks_are_read(photos):
    """A folder of GIF masks (basic_mask.gif: how some segmentation sets ship theirs) was
    'no masks: no image files in it', though livecut reads a GIF."""
    import shutil
    import subprocess

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg not installed")
    images, masks, truths = photos
    plain = _scores(images, masks, "--set", "segment.method=canny")
    for name in truths:
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(masks / f"{name}.png"),
                        str(masks / f"{name}_mask.gif")], check=True, timeout=60)
        (masks / f"{name}.png").unlink()
    if cv2.imdecode(np.fromfile(masks / "basic_mask.gif", np.uint8), cv2.IMREAD_UNCHANGED) is None:
        pytest.skip("this OpenCV reads no GIF")
    data = _scores(images, masks, "--set", "segment.method=canny")
    assert [(r["name"], r["iou"], r["f"], r["mae"]) for r in data["images"]] == \
        [(r["name"], r["iou"], r["f"], r["mae"]) for r in plain["images"]]
    assert data["mask_ending"] == "_mask"


def test_eval_shows_its_progress(photos, monkeypatch):
    """500 photos at 4 scales ran for many minutes without a sign; a progress bar (on a
    terminal: livecut.progress.Progress) counts the photos."""
    from livecut import progress
    importlib.import_module("livecut.images")  # now, so it keeps the real Progress once the patch is undone

    seen = []

    class Recorder(progress.Progress):
        def __init__(self, total, label="", **kw):
            super().__init__(total, label, enabled=False, **kw)
            seen.append(self)

    monkeypatch.setattr(progress, "Progress", Recorder)
    _scores(*photos[:2], "--set", "segment.method=canny")
    assert [(bar.total, bar.count, bar.enabled) for bar in seen] == [(2, 2, False)]


def test_two_masks_of_one_name_are_an_error_not_a_guess(photos):
    """masks/basic.png and masks/basic.jpg: one of them was taken, whichever the folder
    listed last.  (They are that photo's masks, not masks without a photo: a note also said
    '2 mask(s) without an image of the same name: basic.jpg, basic.png'.)"""
    images, masks, truths = photos
    cv2.imwrite(str(masks / "basic.jpg"), 255 - truths["basic"])
    r = invoke("eval", images, masks, "--json")
    assert r.exit_code == 2 and "more than one mask" in r.stderr and "basic.jpg" in r.stderr, r.output
    assert json.loads(r.stdout)["count"] == 1
    assert json.loads(r.stdout)["without_image"] == [] and "without an image" not in r.stderr, r.stderr


@pytest.mark.parametrize("mask", ["basic.png", "basic_mask.png"])
def test_one_mask_of_two_photos_of_one_name_is_an_error_not_a_guess(photos, mask):
    """images/basic.png and images/basic.jpg (another photo), one mask basic.png: both were
    scored against it without a word (the other photo's IoU 0.08 in the mean, exit 0)."""
    images, masks, truths = photos
    img, _ = make_scene("several", W, H, seed=5)
    cv2.imwrite(str(images / "basic.jpg"), img)
    (masks / "basic.png").rename(masks / mask)
    r = invoke("eval", images, masks, "--json")
    assert r.exit_code == 2, r.output
    assert "the mask of more than one photo" in r.stderr and "basic.jpg, basic.png" in r.stderr, r.stderr
    out = json.loads(r.stdout)
    assert [i["name"] for i in out["images"]] == ["several.png"]
    assert out["without_image"] == [] and out["without_mask"] == [], out


@pytest.mark.parametrize("mask", ["basic.png", "basic_mask.png"])
def test_a_flat_mask_of_two_photos_of_one_name_in_folders_is_an_error(photos, mask):
    """images/x/basic.png and images/y/basic.png (two photos), a flat MASKS with one basic.png:
    both were 'without a mask of the same name in MASKS, not scored' and basic.png 'without an
    image of the same name', exit 0: the mask is there, of two photos, as with basic.jpg and
    basic.png side by side."""
    images, masks, truths = photos
    for sub, seed in (("x", 0), ("y", 5)):
        (images / sub).mkdir()
        img, _ = make_scene("basic", W, H, seed=seed)
        cv2.imwrite(str(images / sub / "basic.png"), img)
    (images / "basic.png").unlink()
    (masks / "basic.png").rename(masks / mask)
    r = invoke("eval", images, masks, "--json")
    assert r.exit_code == 2, r.output
    assert f"{masks / mask}: the mask of more than one photo" in r.stderr, r.stderr
    assert "x/basic.png, y/basic.png" in r.stderr, r.stderr
    out = json.loads(r.stdout)
    assert [i["name"] for i in out["images"]] == ["several.png"]
    assert out["without_image"] == [] and out["without_mask"] == [], out


def test_a_linked_subfolder_is_read_once(photos, tmp_path):
    """A subfolder that is a symbolic link (a set assembled with ln -s) was left out without a
    word (os.walk does not follow links): IMAGES holding links only was 'no photos: no image
    files in it or its subfolders'. It is read under its own name, once (a loop is not)."""
    images, masks, _ = photos
    lmasks = tmp_path / "linked_masks"
    images.rename(tmp_path / "real")
    images.mkdir()
    (images / "set1").symlink_to(tmp_path / "real", target_is_directory=True)
    (images / "set1" / "loop").symlink_to(images, target_is_directory=True)  # (back up the tree)
    masks.rename(lmasks)
    masks.mkdir()
    (masks / "set1").symlink_to(lmasks, target_is_directory=True)
    (masks / "again").symlink_to(lmasks, target_is_directory=True)  # (a second link: not read twice)
    (images / "truth").symlink_to(masks, target_is_directory=True)  # (MASKS: not photos)
    r = invoke("eval", images, masks, "--json")
    assert r.exit_code == 0, r.output
    assert [i["name"] for i in json.loads(r.stdout)["images"]] == ["set1/basic.png", "set1/several.png"]
    assert "without" not in r.stderr, r.stderr


def test_table_columns_line_up_under_wide_and_combining_names(photos):
    """A name in Chinese or Japanese (two columns a character) or with a combining accent (a
    Mac's decomposed "Cafe\u0301.png", one column for two characters) was padded by its
    number of characters: its scores stood out of line with the others'."""
    import unicodedata

    images, masks, _ = photos
    for old, new in (("basic", "\u5199\u771f"), ("several", "Cafe\u0301")):
        (images / f"{old}.png").rename(images / f"{new}.png")
        (masks / f"{old}.png").rename(masks / f"{new}.png")
    r = invoke("eval", images, masks, "--set", "segment.method=canny")
    assert r.exit_code == 0, r.output

    def width(line: str) -> int:
        return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
                   for c in line)

    rows = r.stdout.splitlines()[1:]
    assert len(rows) == 4 and len({width(line) for line in rows}) == 1, rows


def test_a_name_with_a_newline_or_a_byte_not_utf8_keeps_its_row_and_note_one_line(photos):
    """A photo named with a newline ('shot\\n2.png', a script's) broke its row of the table in two,
    its name's end and its scores on a line of their own, and a note naming one (a photo without
    a mask) broke likewise; a name of a byte that is not UTF-8 (caf\\xe9.png) was written as that
    byte alone, where an error line says '\\xe9'; both are written as an error names a file."""
    import os
    import sys

    if sys.platform in ("win32", "darwin"):
        pytest.skip("file names of any bytes (Linux)")
    images, masks, _ = photos
    odd = os.fsdecode(b"caf\xe9")
    for old, new in (("basic", "shot\n2"), ("several", odd)):
        (images / f"{old}.png").rename(images / f"{new}.png")
        (masks / f"{old}.png").rename(masks / f"{new}.png")
    cv2.imwrite(str(images / "no\nmask.png"), np.full((H, W, 3), 128, np.uint8))
    r = invoke("eval", images, masks, "--set", "segment.method=canny")
    assert r.exit_code == 0, r.output
    rows = r.stdout.splitlines()
    assert len(rows) == 5, rows
    assert sorted(row.split()[0] for row in rows[2:4]) == ["caf\\xe9.png", "shot\\n2.png"], rows
    assert len({len(row) for row in rows[1:]}) == 1, rows
    assert (f"livecut: note: 1 image(s) without a mask of the same name in {masks}, not scored: no\\nmask.png\n"
            in r.stderr), r.stderr


@pytest.mark.parametrize("photo_form", ["NFD", "NFC"])
def test_names_alike_but_for_their_accents_form_pair(photos, tmp_path, photo_form):
    """Photos copied from a Mac (its names' accents decomposed, Cafe\u0301) and masks or a split
    file made on Linux (composed, Caf\u00e9), or the other way round: the photo was 'without a mask
    of the same name' and the mask 'without an image of the same name' (two names that print
    alike), or '--subset names no photo ... (its names: Café; photos: Café, ...)'; they pair as
    names in another letter case do."""
    import unicodedata

    images, masks, _ = photos
    other = "NFC" if photo_form == "NFD" else "NFD"
    photo, truth = (unicodedata.normalize(form, "Caf\u00e9") for form in (photo_form, other))
    (images / "basic.png").rename(images / f"{photo}.png")
    (masks / "basic.png").rename(masks / f"{truth}.png")
    r = invoke("eval", images, masks, "--json")
    assert r.exit_code == 0, r.output
    assert sorted(x["name"] for x in json.loads(r.stdout)["images"]) == sorted([f"{photo}.png", "several.png"])
    assert "without" not in r.stderr, r.stderr
    split = tmp_path / "split.txt"
    split.write_text(f"{truth}\n", encoding="utf-8")
    r = invoke("eval", images, masks, "--json", "--subset", split)
    assert r.exit_code == 0, r.output
    assert [x["name"] for x in json.loads(r.stdout)["images"]] == [f"{photo}.png"]


def _photo_named_caf_e9(photos):
    """(images, masks, the name) of ``photos`` with its basic.png photo and mask named by bytes
    that are not UTF-8, caf\\xe9 (a Latin-1 archive's); skipped where names are Unicode."""
    import os
    import sys

    if sys.platform in ("win32", "darwin"):
        pytest.skip("file names of any bytes (Linux)")
    images, masks, _ = photos
    odd = os.fsdecode(b"caf\xe9")
    (images / "basic.png").rename(images / f"{odd}.png")
    (masks / "basic.png").rename(masks / f"{odd}.png")
    return images, masks, odd


def test_a_subset_file_naming_a_photo_by_bytes_not_utf8_names_it(photos, tmp_path):
    """A split file listing a photo whose name is not UTF-8 (caf\\xe9.png, a Latin-1 archive's:
    `ls > split.txt` writes its bytes) was read with those bytes replaced ('caf\ufffd'), so it
    named no photo, '--subset names no photo (its names: caf\ufffd; ...)', exit 2; it is read
    as livecut batch reads a --list, each byte kept, and names that photo."""
    import os

    images, masks, odd = _photo_named_caf_e9(photos)
    split = tmp_path / "split.txt"
    split.write_bytes(b"caf\xe9\n")
    r = invoke("eval", images, masks, "--json", "--subset", split)
    assert r.exit_code == 0, r.output
    assert [os.fsdecode(base64.b64decode(x["name_base64"])) for x in json.loads(r.stdout)["images"]] == [f"{odd}.png"]


def test_json_says_a_name_not_utf8_as_unicode_text_and_its_bytes(photos):
    """A photo named by bytes that are not UTF-8 (caf\\xe9.png, a Latin-1 archive's) was written in
    --json as "caf\\udce9.png", a lone surrogate that is no Unicode text: jq shows it as another
    character, stricter readers refuse the whole output.  The name is text with the byte written
    \\xe9, as livecut's messages and table write it, and its exact bytes are in name_base64."""
    images, masks, odd = _photo_named_caf_e9(photos)
    (masks / "several.png").rename(masks / f"{odd}x.png")  # (a mask without its photo, and a photo without)
    r = invoke("eval", images, masks, "--json")
    assert r.exit_code == 0, r.output
    assert "\\ud" not in r.stdout, r.stdout  # (no surrogate's escape anywhere)
    data = json.loads(r.stdout)
    rows = data["images"] + [row for s in data["scales"] for row in s["images"]]
    assert {row["name"] for row in rows} == {"caf\\xe9.png"}
    assert {base64.b64decode(row["name_base64"]) for row in rows} == {b"caf\xe9.png"}
    assert data["without_mask"] == ["several.png"] and data["without_image"] == ["caf\\xe9x.png"]


def test_nested_folders(photos, tmp_path):
    """Photos in subfolders were not seen ("no image has a mask"); they match masks at the
    same path, or of the same name in a flat folder of masks."""
    images, masks, _ = photos
    nested_i, nested_m = tmp_path / "ni", tmp_path / "nm"
    for d in (nested_i / "set1", nested_i / "set2", nested_m / "set1", nested_m / "set2"):
        d.mkdir(parents=True)
    (images / "basic.png").rename(nested_i / "set1" / "basic.png")
    (images / "several.png").rename(nested_i / "set2" / "several.png")
    (masks / "basic.png").rename(nested_m / "set1" / "basic.png")
    (masks / "several.png").rename(nested_m / "set2" / "several.png")
    data = _scores(nested_i, nested_m)
    assert [r["name"] for r in data["images"]] == ["set1/basic.png", "set2/several.png"]
    flat = _scores(nested_i, nested_m / "set1")  # (basic only; several's mask is elsewhere)
    assert [r["name"] for r in flat["images"]] == ["set1/basic.png"] and flat["without_mask"] == ["set2/several.png"]



def test_photos_and_masks_in_one_folder_are_paired_by_name_and_said(photos, tmp_path):
    """One folder of photos and masks (0001.jpg + 0001_mask.png, or 0001.jpg + 0001.png, as
    many sets ship them) was refused, 'IMAGES and MASKS are the same folder'. `livecut eval DIR`
    (or DIR DIR) now pairs them by name, scores as two folders would, and says how, and what
    was left unpaired."""
    images, masks, truths = photos
    one, two_i, two_m = tmp_path / "one", tmp_path / "two_i", tmp_path / "two_m"
    for d in (one, two_i, two_m):
        d.mkdir()
    for name, gt in truths.items():
        img = cv2.imread(str(images / f"{name}.png"))
        cv2.imwrite(str(one / f"{name}.jpg"), img)
        cv2.imwrite(str(two_i / f"{name}.jpg"), img)
        cv2.imwrite(str(two_m / f"{name}.png"), gt)
    cv2.imwrite(str(one / "basic_Mask.png"), truths["basic"])  # plus an ending
    cv2.imwrite(str(one / "several.png"), truths["several"])  # the photo's name, a PNG beside its JPEG
    cv2.imwrite(str(one / "lonely.jpg"), cv2.imread(str(images / "basic.png")))  # a photo without a mask
    cv2.imwrite(str(one / "orphan_gt.png"), truths["basic"])  # a mask without its photo
    plain = _scores(two_i, two_m, "--set", "segment.method=canny")
    for args in ((one,), (one, one)):
        r = invoke("eval", *args, "--json", "--set", "segment.method=canny")
        assert r.exit_code == 0, r.output
        data = json.loads(r.stdout)
        assert [{k: v for k, v in row.items() if k != "ms"} for row in data["images"]] == \
            [{k: v for k, v in row.items() if k != "ms"} for row in plain["images"]]
        assert data["one_folder"] == {"_Mask": 1, ".png": 1} and plain["one_folder"] is None
        assert data["without_mask"] == ["lonely.jpg"] and data["without_image"] == ["orphan_gt.png"]
        assert (f"IMAGES and MASKS are one folder ({one}): 2 photo(s) paired with their masks by name: "
                "1 of the photo's name, a PNG beside its JPEG, 1 named as the photo plus '_Mask'") in r.stderr
        assert "lonely.jpg" in r.stderr and "orphan_gt.png" in r.stderr
    # after a prefix, in a subfolder too
    (one / "sub").mkdir()
    (one / "basic.jpg").rename(one / "sub" / "basic.jpg")
    (one / "basic_Mask.png").rename(one / "sub" / "GT_basic.png")
    data = _scores(one, one, "--set", "segment.method=canny")
    assert [row["name"] for row in data["images"]] == ["several.jpg", "sub/basic.jpg"]
    assert data["one_folder"] == {"GT_": 1, ".png": 1}



def test_a_trimap_named_as_its_photo_plus_trimap_is_its_mask(photos, tmp_path):
    """cat.jpg + cat_trimap.png (the matting sets' own naming) in one folder: the trimap was taken
    for a photo without a mask ('trimap' was not one of the mask words, where matte and alpha
    were), and cat.jpg for one without its mask. It is the photo's mask, and read as a trimap;
    a folder of them, MASKS, pairs by 'trimap' too."""
    images, _, truths = photos
    one, two_m = tmp_path / "one", tmp_path / "two_m"
    one.mkdir()
    two_m.mkdir()
    for name, gt in truths.items():
        cv2.imwrite(str(one / f"{name}.jpg"), cv2.imread(str(images / f"{name}.png")))
        tri = gt.copy()
        tri[_band(gt)] = 128
        cv2.imwrite(str(one / f"{name}_trimap.png"), tri)
        cv2.imwrite(str(two_m / f"{name}-Trimap.png"), tri)
    r = invoke("eval", one, "--json", "--set", "segment.method=canny")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert [row["name"] for row in data["images"]] == ["basic.jpg", "several.jpg"]
    assert data["one_folder"] == {"_trimap": 2} and not data["without_mask"] and not data["without_image"]
    assert data["trimaps"] == ["basic.jpg", "several.jpg"]
    data = _scores(images, two_m, "--set", "segment.method=canny")
    assert data["mask_ending"] == "-Trimap" and data["count"] == 2 and not data["without_image"]


def test_a_subset_listing_one_folder_of_photos_and_masks_does_not_say_its_masks_are_missing(photos, tmp_path):
    """`ls DIR | livecut eval DIR --subset -` of one folder of photos and masks said its masks'
    names were 'name(s) of --subset not in DIR'; a name of the subset that names one of its
    masks is not missing (a name of nothing there still is)."""
    images, _, truths = photos
    one = tmp_path / "one"
    one.mkdir()
    for name, gt in truths.items():
        cv2.imwrite(str(one / f"{name}.jpg"), cv2.imread(str(images / f"{name}.png")))
        cv2.imwrite(str(one / f"{name}_mask.png"), gt)
    listed = tmp_path / "list.txt"
    listed.write_text("\n".join(sorted(p.name for p in one.iterdir())) + "\nnowhere.jpg\n")
    data = _scores(one, one, "--subset", listed, "--set", "segment.method=canny")
    assert data["count"] == 2 and data["subset_missing"] == ["nowhere"], data["subset_missing"]


def test_a_mask_named_as_its_photo_whole_is_paired_in_one_folder(photos, tmp_path):
    """In one folder, a mask named as its photo whole (basic.JPG.png for basic.JPG, as some tools
    save them; two folders pair it) was taken for a photo without a mask; it is the photo's mask."""
    images, _, truths = photos
    one = tmp_path / "one"
    one.mkdir()
    for name, gt in truths.items():
        cv2.imwrite(str(one / f"{name}.JPG"), cv2.imread(str(images / f"{name}.png")))
        cv2.imwrite(str(one / f"{name}.JPG.png"), gt)
    r = invoke("eval", one, "--json", "--set", "segment.method=canny")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert [row["name"] for row in data["images"]] == ["basic.JPG", "several.JPG"]
    assert data["one_folder"] == {".JPG.png": 2} and not data["without_mask"] and not data["without_image"]
    assert "2 named as the photo whole plus '.png'" in r.stderr


def test_a_mask_beside_its_camera_raw_photo_in_one_folder_is_said_as_such(photos, tmp_path):
    """In one folder, r1.png beside the camera raw r1.dng (which livecut does not read) was 'an
    image without a mask'; it is the mask of a raw photo, said so as two folders say it. A JPEG
    beside a raw file (a camera's RAW+JPEG) is still a photo."""
    images, _, truths = photos
    one = tmp_path / "one"
    one.mkdir()
    cv2.imwrite(str(one / "basic.jpg"), cv2.imread(str(images / "basic.png")))
    cv2.imwrite(str(one / "basic_mask.png"), truths["basic"])
    cv2.imwrite(str(one / "r1.png"), truths["several"])
    (one / "r1.dng").write_bytes(b"II*\0" + bytes(60))
    cv2.imwrite(str(one / "r2.jpg"), cv2.imread(str(images / "several.png")))
    (one / "r2.CR2").write_bytes(b"II*\0" + bytes(60))
    r = invoke("eval", one, "--json", "--set", "segment.method=canny")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["without_image"] == ["r1.png"] and data["raw_photos"] == ["r1.dng"]
    assert data["without_mask"] == ["r2.jpg"]
    assert "camera raw files, which livecut does not read" in r.stderr

def test_photos_and_masks_in_one_folder_in_doubt_are_refused_in_one_line(photos, tmp_path):
    """In one folder, a photo with two masks (a_mask.png and a_gt.png; a.png beside a.jpg and
    a_mask.png) or two files of one name that are not a JPEG and a lossless mask (a.png and
    a.tif) are not guessed at: one line says which, exit 2."""
    images, _, truths = photos
    one = tmp_path / "one"
    one.mkdir()
    img = cv2.imread(str(images / "basic.png"))
    cv2.imwrite(str(one / "a.jpg"), img)
    cv2.imwrite(str(one / "a_mask.png"), truths["basic"])
    for extra, said in (("a_gt.png", "a.jpg: more than one mask: a_gt.png, a_mask.png"),
                        ("a.png", "a.jpg: more than one mask: a.png, a_mask.png")):
        cv2.imwrite(str(one / extra), truths["basic"])
        r = invoke("eval", one)
        assert r.exit_code == 2 and r.stdout == "", r.output
        assert len(r.stderr.splitlines()) == 1 and said in r.stderr and "one folder" in r.stderr, r.stderr
        (one / extra).unlink()
    cv2.imwrite(str(one / "b.png"), img)
    cv2.imwrite(str(one / "b.tif"), truths["basic"])
    r = invoke("eval", one)
    assert r.exit_code == 2 and len(r.stderr.splitlines()) == 1
    assert "b.png, b.tif: files of one name, which is the photo and which its mask?" in r.stderr


def test_photos_in_doubt_in_one_folder_refuse_only_a_subset_that_names_them(photos, tmp_path):
    """One photo with two masks (a_mask.png and a_gt.png), or two files of one name (b.png, b.tif),
    refused the whole run of its folder even with --subset naming only photos whose masks are
    not in doubt. A subset of those is scored as a folder without the doubtful files is; one
    that names a photo in doubt (or a file that may be one) is refused as before, in one line
    naming that doubt alone; sub/c names sub/c.jpg, not a top-level c in doubt."""
    images, _, truths = photos
    one, clean = tmp_path / "one", tmp_path / "clean"
    for d in (one, clean, one / "sub", clean / "sub"):
        d.mkdir()
    for d in (one, clean):
        for name, gt in truths.items():
            cv2.imwrite(str(d / f"{name}.jpg"), cv2.imread(str(images / f"{name}.png")))
            cv2.imwrite(str(d / f"{name}_mask.png"), gt)
        cv2.imwrite(str(d / "sub" / "c.jpg"), cv2.imread(str(images / "basic.png")))
        cv2.imwrite(str(d / "sub" / "c_mask.png"), truths["basic"])
    cv2.imwrite(str(one / "a.jpg"), cv2.imread(str(images / "basic.png")))
    cv2.imwrite(str(one / "a_mask.png"), truths["basic"])
    cv2.imwrite(str(one / "a_gt.png"), truths["basic"])
    cv2.imwrite(str(one / "c.png"), truths["basic"])
    cv2.imwrite(str(one / "c.tif"), truths["basic"])
    listed = tmp_path / "list.txt"
    listed.write_text("basic.jpg\nseveral\nsub/c\n")
    r = invoke("eval", one, "--json", "--subset", listed, "--set", "segment.method=canny")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    want = _scores(clean, clean, "--subset", listed, "--set", "segment.method=canny")
    assert [{k: v for k, v in row.items() if k != "ms"} for row in data["images"]] == \
        [{k: v for k, v in row.items() if k != "ms"} for row in want["images"]]
    assert data["count"] == 3 and not data["subset_missing"] and "is in doubt" not in r.stderr, r.stderr
    for names, said in (("a.jpg\nbasic\n", "a.jpg: more than one mask: a_gt.png, a_mask.png"),
                        ("C\n", "c.png, c.tif: files of one name, which is the photo and which its mask?")):
        listed.write_text(names)
        r = invoke("eval", one, "--subset", listed, "--set", "segment.method=canny")
        assert r.exit_code == 2 and r.stdout == "" and len(r.stderr.splitlines()) == 1, r.output
        assert "is in doubt for a photo of --subset: " + said + ";" in r.stderr, r.stderr
        assert "(and 1 more)" not in r.stderr
    r = invoke("eval", one, "--set", "segment.method=canny")  # (without --subset: every doubt)
    assert r.exit_code == 2 and "is in doubt: a.jpg: more than one mask" in r.stderr and "(and 1 more)" in r.stderr


@pytest.mark.parametrize("layout", [("images", "masks"), ("DUTS-TR-Image", "DUTS-TR-Mask"), ("", "gt")])
def test_one_folder_holding_a_folder_of_photos_and_one_of_masks_says_the_command(photos, tmp_path, layout):
    """`livecut eval DATA` of DATA/images and DATA/masks (a set as it is unpacked) said 'no masks in
    it ... give the folder of the masks', without the two it holds; the line now gives the command."""
    images, masks, _ = photos
    data = tmp_path / "my data"
    for sub, src in zip(layout, (images, masks)):
        (data / sub).mkdir(parents=True, exist_ok=True)
        for p in src.iterdir():
            (data / sub / p.name).write_bytes(p.read_bytes())
    r = invoke("eval", data)
    assert r.exit_code == 2 and len(r.stderr.splitlines()) == 1, r.output
    photos_dir = f"'{data / layout[0]}'" if layout[0] else f"'{data}'"
    assert r.stderr.rstrip().endswith(f"give the folder of the masks: livecut eval {photos_dir} '{data / layout[1]}'")
    assert _scores(data / layout[0], data / layout[1], "--set", "segment.method=canny")["count"] == 2

def test_folders_that_cannot_pair(photos, tmp_path):
    images, masks, _ = photos
    r = invoke("eval", images, images)  # (one folder of photos alone: no file named as a mask)
    assert r.exit_code == 2 and "one folder, and no file in it is named as a photo's mask" in r.stderr
    (images / "masks").mkdir()  # masks inside the photos' folder: not taken as photos
    for p in masks.iterdir():
        (images / "masks" / p.name).write_bytes(p.read_bytes())
    data = _scores(images, images / "masks")
    assert data["count"] == 2 and not data["without_mask"]
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    r = invoke("eval", empty, masks)
    assert r.exit_code == 2 and "no image files in it" in r.stderr, r.output


def test_a_folder_of_camera_raw_photos_says_they_are_not_read(photos, tmp_path):
    """IMAGES of a shoot in raw alone (x.dng, y.CR2) was 'no photos: no image files in it or
    its subfolders', as if it were empty, where `livecut image` and `livecut batch` say that
    livecut reads no camera raw file."""
    _, masks, _ = photos
    raw = tmp_path / "raw"
    (raw / "day1").mkdir(parents=True)
    (raw / "x.dng").write_bytes(b"II*\0" + bytes(64))
    (raw / "day1" / "y.CR2").write_bytes(b"II*\0" + bytes(64))
    r = invoke("eval", raw, masks)
    assert r.exit_code == 2, r.output
    assert "no photos" in r.stderr and ("2 camera raw files, which livecut does not read: export them as "
                                        "JPEG, PNG or TIFF first") in r.stderr, r.stderr


def test_a_mask_of_a_camera_raw_photo_says_why_it_has_none(photos, tmp_path):
    """IMAGES with a raw photo among the others (x.dng, its mask x.png in MASKS): the mask was
    'without an image of the same name', x.dng there beside it, and nothing said that livecut
    reads no camera raw file; with raw photos alone beside photos without masks, 'no image
    has a mask of the same name'."""
    images, masks, _ = photos
    (images / "x.dng").write_bytes(b"II*\0" + bytes(64))
    (masks / "x.png").write_bytes((masks / "basic.png").read_bytes())
    r = invoke("eval", images, masks, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["count"] == 2 and data["without_image"] == ["x.png"] and data["raw_photos"] == ["x.dng"]
    assert ("photo(s) of those masks are camera raw files, which livecut does not read: export them as "
            "JPEG, PNG or TIFF first: x.dng") in r.stderr, r.stderr
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "x.dng").write_bytes(b"II*\0" + bytes(64))
    (alone / "other.png").write_bytes((images / "basic.png").read_bytes())
    r = invoke("eval", alone, masks)
    assert r.exit_code == 2, r.output
    assert "1 camera raw file, which livecut does not read: export it as JPEG, PNG or TIFF first" in r.stderr


def test_an_option_of_one_value_given_twice_is_refused(photos, tmp_path):
    """`--scales 1 --scales 2` scored x2 alone, exit 0, as if both were asked for; `--sheet
    a.png --sheet b.png` wrote b.png alone: the last was taken without a word. Given twice with
    two values, it is refused (exit 2), before anything is read; the same value twice is taken."""
    images, masks, _ = photos
    r = invoke("eval", images, masks, "--scales", "1", "--scales=2x")
    assert r.exit_code == 2, r.output
    assert ("--scales 1 and --scales 2x: livecut eval takes one --scales: give it once (--scales 1,2x scores "
            "both)") in r.stderr, r.stderr
    r = invoke("eval", images, masks, "--sheet", tmp_path / "a.png", "--sheet", tmp_path / "b.png")
    assert r.exit_code == 2 and "livecut eval takes one --sheet: give it once" in r.stderr, r.stderr
    assert not list(tmp_path.glob("*.png"))
    r = invoke("eval", images, masks, "--scales", "1", "--scales", "1", "--json")
    assert r.exit_code == 0, r.output
    assert [s["scale"] for s in json.loads(r.stdout)["scales"]] == [1.0]


def test_a_file_name_after_json_says_where_the_json_goes(photos, tmp_path):
    """`livecut eval IMAGES MASKS --json out.json` (and `livecut bench --json out.json`) said
    "Got unexpected extra argument(s) (out.json)" alone: --json is a flag, the JSON written to
    standard output; the refusal says so, nothing evaluated or written."""
    images, masks, _ = photos
    out = tmp_path / "out.json"
    for args in (("eval", images, masks, "--json", out), ("bench", "--json", out)):
        r = invoke(*args)
        assert r.exit_code == 2 and r.stdout == "", r.output
        assert (f"; --json takes no file name: it writes the JSON to standard output (--json > {out})"
                in r.stderr), r.stderr
        assert not out.exists()
    r = invoke("eval", images, masks, "extra", "--json")
    assert r.exit_code == 2 and "--json takes no file" not in r.stderr, r.stderr


def test_a_subset_in_the_other_form_than_its_name_says_says_so(photos, tmp_path):
    """A JSON list in names.txt was read as names one a line, '["basic.png"]' one of them: '--subset
    names no photo'; names one a line in split.json were 'not JSON (Expecting value: line 1
    column 1 (char 0))' alone. Each says which form its name asks for."""
    images, masks, _ = photos
    (tmp_path / "names.txt").write_text('["basic.png", "several.png"]\n')
    (tmp_path / "split.txt").write_text('{"val": ["basic.png"]}')
    (tmp_path / "lines.json").write_text("basic.png\nseveral.png\n")
    for name, said in (("names.txt", "names.txt: JSON, which is read from a file named .json (names.json); a "
                                     "file of another name holds names one a line"),
                       ("split.txt", "split.txt: JSON, which is read from a file named .json (split.json:KEY)"),
                       ("lines.json", "lines.json: not JSON (Expecting value: line 1 column 1 (char 0)); names "
                                      "one a line are read from a file not named .json (lines.txt)")):
        r = invoke("eval", images, masks, "--subset", tmp_path / name)
        assert r.exit_code == 2, r.output
        assert said in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = CliRunner().invoke(app, ["eval", str(images), str(masks), "--subset", "-"], input='["basic.png"]\n')
    assert r.exit_code == 2 and "JSON, which is read from a file named .json (save it as names.json)" in r.stderr
    (tmp_path / "bracket.txt").write_text("[draft] basic.png\nbasic.png\n")  # (a name, not JSON)
    r = invoke("eval", images, masks, "--subset", tmp_path / "bracket.txt", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["count"] == 1, r.output


def test_a_photo_or_mask_that_links_to_nothing_is_said_to_be_a_link(photos, tmp_path):
    """A photo (or its mask) that is a symbolic link to nothing, its target moved, was "gone.png:
    file not found", though `ls` lists it; it says where the link leads, as `livecut image` does
    of a folder's; the others are scored (exit 2)."""
    images, masks, _ = photos
    (images / "gone.png").symlink_to(tmp_path / "moved.png")
    (masks / "gone.png").write_bytes((masks / "basic.png").read_bytes())
    (images / "lost.png").write_bytes((images / "basic.png").read_bytes())
    (masks / "lost.png").symlink_to(tmp_path / "lost-mask.png")
    r = invoke("eval", images, masks, "--json")
    assert r.exit_code == 2, r.output
    assert json.loads(r.stdout)["errors"] == [
        f"{images / 'gone.png'}: a link to {tmp_path / 'moved.png'}, which is not there",
        f"{masks / 'lost.png'}: a link to {tmp_path / 'lost-mask.png'}, which is not there"], r.stdout


def test_a_video_in_images_says_eval_does_not_read_it(photos, tmp_path):
    """IMAGES holding a clip (moving.mp4) beside the photos, its mask moving.png in MASKS: the
    mask was 'without an image of the same name', the video there and nothing said of it; a
    folder of clips alone was 'no photos: no image files in it', as if it were empty."""
    images, masks, _ = photos
    (images / "moving.mp4").write_bytes(b"\0\0\0\x18ftypisom" + bytes(64))
    (masks / "moving.png").write_bytes((masks / "basic.png").read_bytes())
    r = invoke("eval", images, masks, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["count"] == 2 and data["without_image"] == ["moving.png"] and data["videos"] == ["moving.mp4"]
    assert ("video(s) those masks are named for, which livecut eval does not read (it scores photos): save "
            "the frames the masks are of as pictures first: moving.mp4") in r.stderr, r.stderr
    clips = tmp_path / "clips"
    (clips / "day1").mkdir(parents=True)
    (clips / "a.mp4").write_bytes(bytes(64))
    (clips / "day1" / "b.MOV").write_bytes(bytes(64))
    r = invoke("eval", clips, masks)
    assert r.exit_code == 2, r.output
    assert "no photos" in r.stderr and ("; 2 videos (a.mp4, ...), which livecut eval does not read (it scores "
                                        "photos)") in r.stderr, r.stderr
    (clips / "other.png").write_bytes((images / "basic.png").read_bytes())
    r = invoke("eval", clips, masks)
    assert r.exit_code == 2 and "no image in" in r.stderr and "1 video (a.mp4)" not in r.stderr, r.stderr
    (masks / "a.png").write_bytes((masks / "basic.png").read_bytes())
    r = invoke("eval", clips, masks)
    assert r.exit_code == 2 and "; 1 video (a.mp4), which livecut eval does not read" in r.stderr, r.stderr


def test_a_gif_in_images_says_eval_does_not_read_it(photos, tmp_path):
    """IMAGES holding a GIF photo (flat.gif) beside the others, its mask flat.png in MASKS: the
    mask was 'without an image of the same name', the GIF there and nothing said of it (`livecut
    image` cuts a GIF only when named, none from a folder, and eval reads folders); a folder of
    GIFs alone was 'no photos: no image files in it', as if it were empty."""
    from PIL import Image

    images, masks, _ = photos
    Image.open(images / "basic.png").convert("RGB").save(images / "flat.gif")
    (masks / "flat.png").write_bytes((masks / "basic.png").read_bytes())
    r = invoke("eval", images, masks, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["count"] == 2 and data["without_image"] == ["flat.png"] and data["gif_photos"] == ["flat.gif"]
    assert ("photo(s) of those masks are GIFs or APNGs, which livecut eval does not read, as livecut image cuts "
            "none from a folder (only when named): save them as PNG first: flat.gif") in r.stderr, r.stderr
    gifs = tmp_path / "gifs"
    (gifs / "day1").mkdir(parents=True)
    (gifs / "flat.gif").write_bytes((images / "flat.gif").read_bytes())
    (gifs / "day1" / "anim.apng").write_bytes((images / "basic.png").read_bytes())
    r = invoke("eval", gifs, masks)
    assert r.exit_code == 2, r.output
    assert "no photos" in r.stderr and ("; 1 GIF and 1 APNG (flat.gif, ...), which livecut eval does not read, "
                                        "as livecut image cuts none from a folder (only when named): save them as "
                                        "PNG first") in r.stderr, r.stderr
    (gifs / "day1" / "anim.apng").unlink()
    (gifs / "other.png").write_bytes((images / "basic.png").read_bytes())
    r = invoke("eval", gifs, masks)
    assert r.exit_code == 2 and "no image in" in r.stderr and "; 1 GIF (flat.gif), which livecut eval does not " \
        "read" in r.stderr, r.stderr


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_subset_with_a_bom_and_names_not_in_the_folder(photos, tmp_path, encoding):
    """A list saved by Notepad (a BOM before the first name) lost its first name; names of the
    subset that are not in IMAGES were dropped without a word (a mean over fewer photos). One
    in UTF-16, as Windows PowerShell's `dir -Name > names.txt` writes, was read as names of
    NUL bytes."""
    images, masks, _ = photos
    names = tmp_path / "names.txt"
    names.write_bytes("basic.jpg\r\n  # a comment\r\nmissing.jpg\r\n".encode(encoding))
    r = invoke("eval", images, masks, "--subset", names, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert [row["name"] for row in data["images"]] == ["basic.png"]
    assert data["subset_missing"] == ["missing"] and "--subset not in" in r.stderr


@pytest.mark.parametrize("content, said", [("IMG_0001\nIMG_0002\n", "its names: IMG_0001, IMG_0002; photos: basic"),
                                           ("# nothing yet\n", "it holds no name")])
def test_a_subset_that_names_no_photo_says_so(photos, tmp_path, content, said):
    """A subset none of whose names is in IMAGES (another dataset's list, an empty file) was
    'no image in IMAGES has a mask of the same name in MASKS (in the subset)': the masks,
    which were there, were blamed."""
    images, masks, _ = photos
    names = tmp_path / "names.txt"
    names.write_text(content)
    r = invoke("eval", images, masks, "--subset", names)
    assert r.exit_code == 2, r.output
    assert f"--subset names no photo in {images} ({said}" in r.stderr and "mask" not in r.stderr


@pytest.mark.parametrize("spec, said", [("", "--subset is empty"), ("FOLDER", "a folder, not a file of names")])
def test_an_empty_or_folder_subset_is_refused(photos, spec, said):
    """--subset "$SPLIT" with SPLIT unset scored every photo, exit 0, as if no subset had been
    asked for; a folder was said to be 'no such file'."""
    images, masks, _ = photos
    r = invoke("eval", images, masks, "--subset", images if spec == "FOLDER" else spec)
    assert r.exit_code == 2, r.output
    assert said in r.stderr and r.stdout == ""


def test_a_subset_piped_in_is_read(photos):
    """--subset <(ls images | head -1), a pipe the shell names /dev/fd/63, was
    '--subset: /dev/fd/63: no such file', exit 2, where -c <(...) and batch's --list <(...) are
    read: it is read as a file of names."""
    import os

    images, masks, _ = photos
    r_fd, w_fd = os.pipe()
    try:
        os.write(w_fd, b"several.png\n")
        os.close(w_fd)
        r = invoke("eval", images, masks, "--json", "--subset", f"/dev/fd/{r_fd}")
    finally:
        os.close(r_fd)
    assert r.exit_code == 0, r.output
    assert [row["name"] for row in json.loads(r.stdout)["images"]] == ["several.png"]


def test_a_subset_from_standard_input_is_read(photos, tmp_path):
    """`ls images | head -1 | livecut eval IMAGES MASKS --subset -` was '--subset: -: no such
    file', exit 2, where `livecut batch --list -` reads its list from standard input: - reads
    the names from it, one a line; -c - as well is refused, standard input being read once."""
    import os
    import subprocess
    import sys

    images, masks, _ = photos
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    cmd = [sys.executable, "-m", "livecut", "eval", str(images), str(masks), "--json", "--subset", "-"]
    r = subprocess.run(cmd, input="several.png\n", capture_output=True, text=True, env=env, timeout=120,
                       cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert [row["name"] for row in json.loads(r.stdout)["images"]] == ["several.png"], r.stdout
    r = subprocess.run(cmd + ["-c", "/dev/stdin"], input="several.png\n", capture_output=True, text=True, env=env,
                       timeout=120, cwd=str(tmp_path))
    assert r.returncode == 2 and r.stderr.splitlines() == [
        "livecut: error: -c /dev/stdin: standard input carries the names of --subset -; give the configuration "
        "in a file, or -c <(...)"], r.stderr


def test_a_subset_from_dev_stdin_beside_a_configuration_from_it_is_refused(photos, tmp_path):
    """--subset /dev/stdin -c /dev/stdin: the configuration read the names first and was said to
    be at fault, '/dev/stdin: invalid TOML: ...'; refused as --subset - beside it is."""
    import os
    import subprocess
    import sys

    images, masks, _ = photos
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    r = subprocess.run([sys.executable, "-m", "livecut", "eval", str(images), str(masks), "--subset", "/dev/stdin",
                        "-c", "/dev/stdin"], input="several.png\n", capture_output=True, text=True, env=env,
                       timeout=120, cwd=str(tmp_path))
    assert r.returncode == 2 and r.stderr.splitlines() == [
        "livecut: error: -c /dev/stdin: standard input carries the names of --subset /dev/stdin; give the "
        "configuration in a file, or -c <(...)"], r.stderr


@pytest.mark.parametrize("key, said", [("", "holds the lists val, tune: give {split}:val (or :tune)"),
                                       ("test", "has no list 'test' (its lists: val, tune)")])
def test_a_json_subset_of_several_lists_names_them(photos, tmp_path, key, said):
    """A split file of several lists (as livecut/models/cuhk_split.json) given without its
    :KEY, or with a key it does not hold, was 'is not a list of names' or 'has no list', the
    lists it does hold unsaid."""
    images, masks, _ = photos
    split = tmp_path / "split.json"
    split.write_text(json.dumps({"val": ["basic"], "tune": ["several"], "seed": 3}))
    r = invoke("eval", images, masks, "--subset", f"{split}:{key}" if key else split)
    assert r.exit_code == 2, r.output
    assert said.format(split=split) in r.stderr and r.stdout == ""


def test_the_shipped_split_is_read_as_the_help_names_it_from_any_folder(tmp_path, monkeypatch):
    """`--subset livecut/models/cuhk_split.json:val`, as --help and the README name the shipped
    split, was '--subset: livecut/models/cuhk_split.json: no such file' outside the checkout
    (livecut installed from its wheel); it is read from the package."""
    import livecut
    from livecut.evaluate import read_subset

    shipped = Path(livecut.__file__).resolve().parent / "models" / "cuhk_split.json"
    val = json.loads(shipped.read_text())["val"]
    monkeypatch.chdir(tmp_path)
    assert read_subset("livecut/models/cuhk_split.json:val") == {Path(n).stem for n in val} and len(val) == 100
    # (a file of that path in the current folder is the one read; another path is not looked for)
    (tmp_path / "livecut" / "models").mkdir(parents=True)
    (tmp_path / "livecut" / "models" / "cuhk_split.json").write_text(json.dumps({"val": ["mine.png"]}))
    assert read_subset("livecut/models/cuhk_split.json:val") == {"mine"}
    with pytest.raises(Exception, match="no such file"):
        read_subset("livecut/__init__.txt")


def test_a_json_subset_with_an_upper_case_extension_takes_its_key(photos, tmp_path):
    """split.JSON:val was "--subset: split.JSON:val: no such file", though split.JSON alone
    said "holds the list val: give split.JSON:val"."""
    images, masks, _ = photos
    split = tmp_path / "split.JSON"
    split.write_text(json.dumps({"val": ["basic.png"], "train": ["several.png"]}))
    r = invoke("eval", images, masks, "--subset", split)
    assert r.exit_code == 2 and f"give {split}:val" in r.stderr, r.output
    data = _scores(images, masks, "--subset", f"{split}:val", "--set", "segment.method=canny")
    assert [row["name"] for row in data["images"]] == ["basic.png"]


def test_subset_names_match_in_any_letter_case(photos, tmp_path):
    """A split naming 'BASIC.PNG' named no photo basic.png ('--subset names no photo'),
    where its mask pairs in any letter case."""
    images, masks, _ = photos
    split = tmp_path / "split.json"
    split.write_text(json.dumps({"val": ["BASIC.PNG", "Several", "gone.png"]}))
    r = invoke("eval", images, masks, "--json", "--subset", f"{split}:val", "--set", "segment.method=canny")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert [row["name"] for row in data["images"]] == ["basic.png", "several.png"]
    assert data["subset_missing"] == ["gone"]


def test_subset_names_with_dots_and_without_their_extension(tmp_path):
    """A subset naming "2024.05.01 beach" (a photo's name without its extension, as the help
    allows) was cut at its last dot, "2024.05", and named no photo."""
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    for i, name in enumerate(("2024.05.01 beach", "2024.05.02 beach", "plain")):
        img, gt = make_scene("basic", 80, 60, seed=i)
        cv2.imwrite(str(images / f"{name}.jpg"), img)
        cv2.imwrite(str(masks / f"{name}.png"), gt)
    names = tmp_path / "names.txt"
    names.write_text("2024.05.01 beach\nplain.png\n")
    data = _scores(images, masks, "--subset", names)
    assert [row["name"] for row in data["images"]] == ["2024.05.01 beach.jpg", "plain.jpg"]
    assert data["subset_missing"] == []


def _two_folders_of_a_jpg(tmp_path):
    """images/x/a.jpg and images/y/a.jpg, each with its mask in masks/x/, masks/y/."""
    images, masks = tmp_path / "images", tmp_path / "masks"
    for i, sub in enumerate(("x", "y")):
        (images / sub).mkdir(parents=True)
        (masks / sub).mkdir(parents=True)
        img, gt = make_scene("basic", 80, 60, seed=i)
        cv2.imwrite(str(images / sub / "a.jpg"), img)
        cv2.imwrite(str(masks / sub / "a.png"), gt)
    return images, masks


def test_a_subset_name_with_its_folder_names_that_photo_only(tmp_path):
    """A split listing x/a.jpg (photos in folders, a name in each) kept y/a.jpg too: only the
    file name was compared."""
    images, masks = _two_folders_of_a_jpg(tmp_path)
    split = tmp_path / "split.txt"
    for lines, kept, missing in ((["x/a.jpg"], ["x/a.jpg"], []),
                                 (["./X/A", "data/images/y/a.jpg", "z/a"], ["x/a.jpg", "y/a.jpg"], ["z/a"]),
                                 (["a"], ["x/a.jpg", "y/a.jpg"], [])):
        split.write_text("\n".join(lines) + "\n")
        data = _scores(images, masks, "--subset", split, "--set", "segment.method=canny")
        assert [row["name"] for row in data["images"]] == kept, lines
        assert data["subset_missing"] == missing, lines
    # a top-level a.jpg beside them: x/a.jpg names the one in x only
    img, gt = make_scene("basic", 80, 60, seed=5)
    cv2.imwrite(str(images / "a.jpg"), img)
    cv2.imwrite(str(masks / "a.png"), gt)
    for lines, kept in ((["x/a.jpg"], ["x/a.jpg"]), (["data/images/y/a.jpg"], ["y/a.jpg"]),
                        (["a"], ["a.jpg", "x/a.jpg", "y/a.jpg"])):
        split.write_text("\n".join(lines) + "\n")
        data = _scores(images, masks, "--subset", split, "--set", "segment.method=canny")
        assert [row["name"] for row in data["images"]] == kept, lines
    (images / "a.jpg").unlink()
    (masks / "a.png").unlink()
    # a flat folder of masks: a.png may be either photo's, with the subset as without it
    flat = tmp_path / "flat"
    flat.mkdir()
    (masks / "x" / "a.png").rename(flat / "a.png")
    split.write_text("x/a.jpg\n")
    r = invoke("eval", images, flat, "--subset", split)
    assert r.exit_code == 2 and "no image in" in r.stderr, r.output


def test_a_subset_that_is_not_text_is_refused_without_its_bytes(photos):
    """A photo given as --subset (tab completion's next file) was read as lines of names: the
    error quoted its bytes (binary garbage, terminal control codes) as the names it held."""
    images, masks, _ = photos
    photo = next(images.iterdir())
    r = invoke("eval", images, masks, "--subset", photo)
    assert r.exit_code == 2, r.output
    assert f"--subset: {photo}: not a file of names" in r.stderr
    assert "\x00" not in r.stderr and "\ufffd" not in r.stderr and len(r.stderr) < 300


def test_the_table_keeps_its_columns_with_long_names():
    """A name longer than 24 characters (a phone's IMG_20240501_101112345_HDR.jpg, a path in a
    subfolder) pushed its row's numbers out of line with the header's and the others'."""
    from livecut.evaluate import format_table

    rows = [{"name": n, "iou": 0.9, "f": 0.9, "mae": 0.01, "ms": 5.0}
            for n in ("IMG_20240501_101112345_HDR.jpg", "a.jpg")]
    mean = {"iou": 0.9, "f": 0.9, "mae": 0.01, "ms": 5.0}
    lines = format_table({"method": "focusnet", "count": 2, "images": rows, "mean": mean}).splitlines()[1:]
    assert len({len(ln) for ln in lines}) == 1, lines


# ---------------------------------------------------------------- scales

def test_a_scale_too_small_for_one_photo_skips_that_photo_at_every_scale(photos, tmp_path):
    """--scales 0.12 on a photo of 120 px made it 14 px: the whole evaluation stopped with
    "image is 14x11" (neither photo nor scale named)."""
    images, masks, truths = photos
    small, gt = make_scene("basic", 120, 90, seed=3)
    cv2.imwrite(str(images / "small.png"), small)
    cv2.imwrite(str(masks / "small.png"), gt)
    r = invoke("eval", images, masks, "--scales", "1,0.12", "--json")
    assert r.exit_code == 2, r.output
    assert "small.png" in r.stderr and "x0.12" in r.stderr
    data = json.loads(r.stdout)
    assert [len(s["images"]) for s in data["scales"]] == [2, 2]  # the same photos at every scale
    assert all(np.isfinite(v) for s in data["scales"] for v in s["mean"].values())


def test_a_scale_too_large_is_refused_before_the_photo_is_enlarged(photos, monkeypatch):
    """x8 on a 4000 px photo is 768 megapixels: it was made (GBs) before being refused."""
    from livecut import evaluate, imageio

    monkeypatch.setattr(imageio, "MAX_PIXELS", W * H * 3)
    enlarged = []
    real = evaluate.rescale
    monkeypatch.setattr(evaluate, "rescale", lambda img, s: enlarged.append(s) or real(img, s))
    r = invoke("eval", *photos[:2], "--scales", "1,2")
    assert r.exit_code == 2 and "at x2" in r.stderr and "megapixels" in r.stderr, r.output
    assert 2.0 not in enlarged


def test_a_scale_too_large_with_bars_is_refused_before_the_photo_is_enlarged(photos, monkeypatch):
    """--bars letterbox adds 36 % to the frame's height: a 1100 px photo at x8 (77 megapixels,
    under the limit) was enlarged and framed, then refused by the engine as 'a.png: image is
    8800x11968', not the photo's size, and at no scale said."""
    from livecut import evaluate, imageio

    monkeypatch.setattr(imageio, "MAX_PIXELS", W * H * 3)  # 300x225 at x1.5; 300x305 with its bars
    enlarged = []
    real = evaluate.rescale
    monkeypatch.setattr(evaluate, "rescale", lambda img, s: enlarged.append(s) or real(img, s))
    r = invoke("eval", *photos[:2], "--scales", "1,1.5", "--bars", "letterbox")
    assert r.exit_code == 2, r.output
    assert "at x1.5 with its letterbox bars it is 300x305" in r.stderr, r.output
    assert 1.5 not in enlarged


# ---------------------------------------------------------------- contact sheet

def test_sheet_is_written_in_pages(photos, tmp_path, monkeypatch):
    """One picture of 500 rows was 92,000 px high: a JPEG (65,535 at most) or WebP (16,383)
    could not be written (after every photo was evaluated) and a PNG was unusable."""
    from livecut import evaluate

    images, masks, truths = photos
    pano, gt = make_scene("basic", 800, 100, seed=4)
    cv2.imwrite(str(images / "pano.png"), pano)
    cv2.imwrite(str(masks / "pano.png"), gt)
    monkeypatch.setattr(evaluate, "SHEET_PAGE_ROWS", 2)
    sheet = tmp_path / "sheet.jpg"
    r = invoke("eval", images, masks, "--sheet", sheet, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["sheets"] == [str(sheet), str(tmp_path / "sheet-2.jpg")]
    first, second = cv2.imread(data["sheets"][0]), cv2.imread(data["sheets"][1])
    assert first.shape[0] == 2 * (evaluate.SHEET_ROW + 4) and second.shape[0] == evaluate.SHEET_ROW + 4
    # a panorama's panels are no wider than SHEET_PANEL_MAX
    assert first.shape[1] <= evaluate.SHEET_LABEL + 4 * evaluate.SHEET_PANEL_MAX + 12


def test_a_shorter_run_removes_the_pages_of_an_earlier_longer_sheet(photos, tmp_path, monkeypatch):
    """A run of 4 pages then one of 2 to the same --sheet left pages 3 and 4 of the first: they
    read as part of the second. The pages after this run's last are removed, as long as they
    follow each other (NAME-3, NAME-4, ...); nothing else of a similar name."""
    from livecut import evaluate

    images, masks, _ = photos
    monkeypatch.setattr(evaluate, "SHEET_PAGE_ROWS", 1)   # two photos: two pages
    sheet = tmp_path / "sheet.png"
    stale = [tmp_path / "sheet-3.png", tmp_path / "sheet-4.png"]
    kept = [tmp_path / n for n in ("sheet-6.png", "sheet-03.png", "sheet-x.png", "sheet-3.jpg",
                                   "sheet-3.png.bak", "other-3.png")]
    earlier = {p: _earlier_page(p) for p in stale + kept}
    r = invoke("eval", images, masks, "--sheet", sheet, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["sheets"] == [str(sheet), str(tmp_path / "sheet-2.png")]
    assert data["sheets_removed"] == [str(p) for p in stale]
    assert not any(p.exists() for p in stale)
    assert all(p.read_bytes() == earlier[p] for p in kept)
    assert "2 page(s) of an earlier, longer contact sheet removed" in r.output
    # a run that writes no page (no photo scored) removes nothing
    _earlier_page(tmp_path / "sheet-3.png")
    empty = tmp_path / "empty"
    empty.mkdir()
    r = invoke("eval", empty, masks, "--sheet", sheet)
    assert r.exit_code == 2 and (tmp_path / "sheet-3.png").exists()


def test_a_sheet_never_replaces_nor_removes_a_picture_that_is_not_a_contact_sheet(photos, tmp_path, monkeypatch):
    """--sheet pics/holiday.jpg wrote the sheet over that photo, and removed holiday-2.jpg and
    holiday-3.jpg beside it as 'pages of an earlier, longer contact sheet', exit 0: a file at a
    page's name was replaced or removed whatever it held. A picture that is not a contact sheet
    is refused before the evaluation at a name this run would write (exit 2, nothing written),
    and is left alone after its last page; a sheet there is replaced, as run after run."""
    from livecut import evaluate

    images, masks, truths = photos
    pics = tmp_path / "pics"
    pics.mkdir()
    photo = cv2.imencode(".jpg", np.full((368, 400, 3), 128, np.uint8))[1].tobytes()  # (368: two rows' height)
    for name in ("holiday.jpg", "holiday-2.jpg", "holiday-3.jpg"):
        (pics / name).write_bytes(photo)
    monkeypatch.setattr(evaluate, "_sheet_row", lambda *a: pytest.fail("evaluated before refusing"))
    r = invoke("eval", images, masks, "--sheet", pics / "holiday.jpg")
    assert r.exit_code == 2, r.output
    assert f"--sheet {pics / 'holiday.jpg'}: {pics / 'holiday.jpg'} is there and is not a contact sheet" \
        in r.stderr, r.stderr
    assert all((pics / n).read_bytes() == photo for n in ("holiday.jpg", "holiday-2.jpg", "holiday-3.jpg"))
    assert sorted(p.name for p in pics.iterdir()) == ["holiday-2.jpg", "holiday-3.jpg", "holiday.jpg"]
    monkeypatch.undo()
    (pics / "holiday.jpg").unlink()
    data = _scores(images, masks, "--sheet", pics / "holiday.jpg")   # one page: the others are no sheet's
    assert data["sheets"] == [str(pics / "holiday.jpg")] and data["sheets_removed"] == []
    assert (pics / "holiday-2.jpg").read_bytes() == photo and (pics / "holiday-3.jpg").read_bytes() == photo
    monkeypatch.setattr(evaluate, "SHEET_PAGE_ROWS", 1)   # two photos: two pages, holiday-2.jpg one of them
    r = invoke("eval", images, masks, "--sheet", pics / "holiday.jpg")
    assert r.exit_code == 2 and f"{pics / 'holiday-2.jpg'} is there and is not a contact sheet" in r.stderr, r.output
    assert (pics / "holiday-2.jpg").read_bytes() == photo


@pytest.mark.parametrize("name", ["sheets", "sheets/", "sheets.png"])
def test_an_existing_folder_as_the_sheet_is_said_to_be_one(photos, tmp_path, name):
    """--sheet naming an existing folder (with or without a final /) said "not a colour picture
    OpenCV can write": it says the folder is one, and that --sheet takes a picture's file name."""
    images, masks, _ = photos
    (tmp_path / name.rstrip("/")).mkdir()
    r = invoke("eval", images, masks, "--sheet", str(tmp_path / name))
    assert r.exit_code == 2, r.output
    line = r.stderr.strip()
    assert line.startswith(f"livecut: error: --sheet {tmp_path / name.rstrip('/')}: is a folder") \
        and "sheet.png" in line and len(r.stderr.splitlines()) == 1, r.stderr
    assert "OpenCV" not in line


def test_the_root_folder_as_the_sheet_is_said_as_given(photos):
    """--sheet / said '--sheet //: is a folder; ... e.g. //sheet.png' (a / put back on a path
    that kept its own)."""
    images, masks, _ = photos
    r = invoke("eval", images, masks, "--sheet", "/")
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("livecut: error: --sheet /: is a folder") and "//" not in r.stderr, r.stderr


@pytest.mark.parametrize("name", ["new.png/", "new/"])
def test_a_sheet_named_as_a_folder_is_not_written_as_a_picture(photos, tmp_path, name):
    """--sheet new.png/ (a folder's name, none there) wrote the picture new.png, exit 0; new/ was
    "not a colour picture OpenCV can write".  Both are refused, exit 2, nothing written."""
    images, masks, _ = photos
    r = invoke("eval", images, masks, "--sheet", f"{tmp_path}/{name}")
    assert r.exit_code == 2, r.output
    assert "ends in '/', a folder's name; --sheet takes a picture's file name" in r.stderr, r.stderr
    assert r.stderr.rstrip().endswith(f"e.g. {tmp_path / 'new.png'}"), r.stderr
    assert len(r.stderr.splitlines()) == 1 and not (tmp_path / name.rstrip("/")).exists()


@pytest.mark.parametrize("which", ["IMAGES", "MASKS"])
def test_a_folder_name_too_long_is_one_line_exit_2(photos, tmp_path, which):
    """IMAGES or MASKS named by a name over 255 bytes (a variable pasted by mistake) was 'internal
    error: OSError: [Errno 36] File name too long', exit 1; it is bad input, one line, exit 2."""
    images, masks, _ = photos
    long = tmp_path / ("q" * 260)
    r = invoke("eval", *((long, masks) if which == "IMAGES" else (images, long)))
    assert r.exit_code == 2, r.output
    assert r.stderr == f"livecut: error: {long}: file name too long\n", r.stderr
    r = invoke("eval", images, masks, "--sheet", long / "sheet.png")  # (its folder's name: the same)
    assert r.exit_code == 2 and r.stderr == f"livecut: error: --sheet {long / 'sheet.png'}: file name too long\n", \
        r.output


def test_a_sheet_of_one_page_whose_second_page_name_would_be_too_long_is_written(photos, tmp_path):
    """--sheet NAME.png of a name of 254-255 bytes, one page: the sheet was written, then the look
    for an earlier, longer sheet's NAME-2.png (a name the system refuses) was 'internal error:
    OSError: [Errno 36] File name too long', exit 1, after the scores; no such page can be there."""
    images, masks, _ = photos
    sheet = tmp_path / ("s" * 251 + ".png")
    r = invoke("eval", images, masks, "--sheet", sheet, "--set", "segment.method=canny")
    assert r.exit_code == 0, r.output
    assert sheet.is_file() and sorted(p.name for p in tmp_path.iterdir()) == sorted(["images", "masks", sheet.name])


@pytest.mark.parametrize("extra", [1, 3])
def test_a_sheet_name_too_long_for_a_page_is_refused_before_the_evaluation(photos, tmp_path, monkeypatch, extra):
    """--sheet of a name of 253-255 bytes over more than 50 photos: every photo was scored, then
    the second page's name (NAME-2.png, two bytes more) was 'File name too long', exit 1 as a full
    disk, nothing written; one over 255 bytes itself was 'internal error: OSError', exit 1.  Both
    are bad input, refused before a photo is read, exit 2."""
    from livecut import evaluate

    images, masks, _ = photos
    monkeypatch.setattr(evaluate, "SHEET_PAGE_ROWS", 1)   # two photos: two pages
    scored = []
    real = evaluate.score
    monkeypatch.setattr(evaluate, "score", lambda *a: scored.append(1) or real(*a))
    sheet = tmp_path / ("s" * (255 - len(".png") - 2 + extra) + ".png")
    page = sheet if extra > 2 else sheet.with_name(f"{sheet.stem}-2.png")
    r = invoke("eval", images, masks, "--sheet", sheet)
    assert r.exit_code == 2, r.output
    assert r.stderr == f"livecut: error: --sheet {sheet}: {page} is a file name too long (over 255 bytes)\n", r.stderr
    assert not scored and sorted(tmp_path.iterdir()) == sorted([images, masks])


def test_a_stop_while_the_last_page_is_written_leaves_no_temporary_page(photos, tmp_path, monkeypatch):
    """Ctrl-C while the sheet's last page was written (the whole sheet of up to 50 photos,
    written once every photo is scored) said 'interrupted', exit 130, and left that page's
    temporary file, half written (megabytes), beside the earlier sheet until a later run."""
    from livecut import evaluate

    images, masks, _ = photos
    sheet = tmp_path / "sheet.png"
    earlier = _earlier_page(sheet)

    def write(path, rows, **kw):  # stopped half-way through the page
        Path(path).write_bytes(b"\x89PNG half")
        raise KeyboardInterrupt

    monkeypatch.setattr(evaluate, "_write_sheet", write)
    r = invoke("eval", images, masks, "--sheet", sheet)
    assert r.exit_code == 130, r.output
    assert sheet.read_bytes() == earlier
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["sheet.png"]


@pytest.mark.parametrize("earlier_pages", [2, 3])
def test_a_ctrl_c_while_the_pages_are_moved_into_place_leaves_no_mix_of_two_sheets(photos, tmp_path, monkeypatch,
                                                                                     earlier_pages):
    """The finished pages are moved into place one after the other, then an earlier, longer
    sheet's pages after the last are removed: a Ctrl-C between two of those steps left this run's
    first page beside the earlier run's second (or its third), read as one sheet. The signal is
    held back until they are all done: the new sheet stands whole, then the run stops (130)."""
    import signal

    from livecut import atomic, evaluate

    images, masks, _ = photos
    monkeypatch.setattr(evaluate, "SHEET_PAGE_ROWS", 1)   # two photos: two pages
    pages = [tmp_path / "sheet.png", tmp_path / "sheet-2.png", tmp_path / "sheet-3.png"][:earlier_pages]
    earlier = {p: _earlier_page(p) for p in pages}
    real_commit = atomic.commit

    def commit(tmp, final, force):  # (Ctrl-C just after the first page is in place)
        left = real_commit(tmp, final, force)
        if Path(final).name == "sheet.png":
            signal.raise_signal(signal.SIGINT)
        return left

    monkeypatch.setattr(atomic, "commit", commit)
    r = invoke("eval", images, masks, "--sheet", pages[0])
    assert r.exit_code == 130, r.output
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["sheet-2.png", "sheet.png"]
    assert all(cv2.imread(str(p)).shape[0] == evaluate.SHEET_ROW + 4 for p in pages[:2])
    assert pages[0].read_bytes() != earlier[pages[0]] and pages[1].read_bytes() != earlier[pages[1]]


def _left_pages(out: Path, names: list[str]) -> list[str]:
    """The warnings of the sheet's pages ``out/NAME`` whose temporary names could not be removed."""
    lines = []
    for name in names:
        tmp = [p for p in out.iterdir() if p.name.startswith(f".{name}.livecut-")]
        assert len(tmp) == 1, sorted(out.iterdir())
        lines.append(f"livecut: warning: {out / name}: written, but its temporary file {tmp[0]}, a second name of "
                     f"the same file, could not be removed ({APPEND_ONLY}): remove it once the folder allows")
    return lines


def test_a_sheet_in_an_append_only_folder_says_the_temporary_pages_it_keeps(photos, tmp_path, monkeypatch,
                                                                             append_only):
    """A folder made append-only (chattr +a) takes the pages' temporary files and their links to
    the pages' names, but lets none be removed, root too: each page's hidden temporary name was
    left beside it, a second name of it, without a word (exit 0), where livecut image says it."""
    from livecut import evaluate

    images, masks, _ = photos
    monkeypatch.setattr(evaluate, "SHEET_PAGE_ROWS", 1)   # two photos: two pages
    out = tmp_path / "out"
    out.mkdir()
    append_only(out)
    r = invoke("eval", images, masks, "--sheet", out / "sheet.png")
    assert r.exit_code == 0, r.output
    assert cv2.imread(str(out / "sheet.png")) is not None and cv2.imread(str(out / "sheet-2.png")) is not None
    assert [ln for ln in r.stderr.splitlines() if "warning" in ln] == _left_pages(out, ["sheet.png", "sheet-2.png"])


def test_a_temporary_page_that_cannot_be_removed_is_said(photos, tmp_path, monkeypatch):
    """As in an append-only folder where chattr cannot be had (not root, tmpfs): a page's
    temporary name is neither renamed (EPERM: it is linked to the page's name) nor removed after
    (EPERM): said, the sheet kept."""
    images, masks, _ = photos
    (tmp_path / "out").mkdir()
    refuse_removal(monkeypatch, calls=("unlink", "replace"))
    r = invoke("eval", images, masks, "--sheet", tmp_path / "out" / "sheet.png", "--json")
    assert r.exit_code == 0, r.output
    assert [ln for ln in r.stderr.splitlines() if "warning" in ln] == _left_pages(tmp_path / "out", ["sheet.png"])
    assert json.loads(r.stdout)["warnings"] == [ln.removeprefix("livecut: warning: ")
                                                for ln in _left_pages(tmp_path / "out", ["sheet.png"])]


@pytest.mark.parametrize("how", ["chattr +a", "EPERM"])
def test_the_pages_left_when_a_sheet_cannot_replace_an_earlier_one_are_all_named(photos, tmp_path, monkeypatch,
                                                                                unremovable, how):
    """In a folder that lets no name be removed (append-only), an earlier sheet cannot be
    replaced: the first page's error named its finished page left at a temporary name, but the
    second page's temporary file, discarded after, stayed too, without a word. It is named."""
    from livecut import evaluate

    images, masks, _ = photos
    monkeypatch.setattr(evaluate, "SHEET_PAGE_ROWS", 1)   # two photos: two pages
    out = tmp_path / "out"
    out.mkdir()
    for p in (out / "sheet.png", out / "sheet-2.png"):
        _earlier_page(p)
    unremovable(how, out, calls=("unlink", "replace"))
    r = invoke("eval", images, masks, "--sheet", out / "sheet.png")
    assert r.exit_code == 1, r.output
    (first,) = [p for p in out.iterdir() if p.name.startswith(".sheet.png.livecut-")]
    (second,) = [p for p in out.iterdir() if p.name.startswith(".sheet-2.png.livecut-")]
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("livecut: error:")]
    assert len(errors) == 2 and f"the finished output is left at {first}" in errors[0], r.stderr
    assert errors[1] == (f"livecut: error: {second}: the temporary file of the contact sheet's page could not be "
                         f"removed ({APPEND_ONLY}): remove it once the folder allows"), r.stderr


@pytest.mark.parametrize("failure", ["interrupted", "page not written"])
def test_a_failed_evaluation_leaves_the_earlier_sheet_as_it_was(photos, tmp_path, monkeypatch, failure):
    """The pages were written to their final names as the rows came: a run stopped (Ctrl-C)
    after its first page, or whose second page could not be written, left that first page in
    place of the earlier sheet's, next to the earlier sheet's second page. The pages go to
    temporary names and are moved into place only once the sheet is whole."""
    from livecut import evaluate

    images, masks, _ = photos
    monkeypatch.setattr(evaluate, "SHEET_PAGE_ROWS", 1)   # two photos: two pages
    sheet, second = tmp_path / "sheet.png", tmp_path / "sheet-2.png"
    earlier = {p: _earlier_page(p) for p in (sheet, second)}
    if failure == "interrupted":
        real, calls = evaluate.score, []

        def score(*a):  # the second photo is stopped while it is scored
            calls.append(1)
            if len(calls) == 2:
                raise KeyboardInterrupt
            return real(*a)

        monkeypatch.setattr(evaluate, "score", score)
    else:
        from livecut.errors import LivecutError

        real_write = evaluate._write_sheet

        def write(path, rows, **kw):  # (a full disk on the second page)
            if kw.get("name", path) == second:
                raise LivecutError(f"{second}: could not write the sheet")
            return real_write(path, rows, **kw)

        monkeypatch.setattr(evaluate, "_write_sheet", write)
    r = invoke("eval", images, masks, "--sheet", sheet, "--json")
    assert r.exit_code == (130 if failure == "interrupted" else 1), r.output  # (a full disk: 1, run time)
    assert sheet.read_bytes() == earlier[sheet] and second.read_bytes() == earlier[second]
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["sheet-2.png", "sheet.png"]


def test_a_sheet_the_disk_cannot_take_is_one_line_and_a_run_time_failure(photos, tmp_path):
    """A --sheet whose write fails (a full disk; here a file-size limit) printed libpng's own
    'libpng error: Write Error' and then '...: could not write the sheet', without why, exit 2
    (bad input); it is one line that says why, exit 1, as a full disk is for `livecut image`
    and `livecut file`, the scores printed all the same, no page left."""
    import os
    import resource
    import subprocess
    import sys

    images, masks, _ = photos
    sheet = tmp_path / "sheet.png"

    def limit():  # (Python ignores SIGXFSZ: a write past the limit fails with EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))

    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    r = subprocess.run([sys.executable, "-m", "livecut", "eval", str(images), str(masks), "--sheet", str(sheet)],
                       capture_output=True, text=True, env=env, timeout=120, preexec_fn=limit)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 1 and len(lines) == 1, (r.returncode, r.stderr)
    assert lines[0] == f"livecut: error: {sheet}: could not write the sheet (File too large)", lines
    assert "mean" in r.stdout and not list(tmp_path.glob("*sheet*"))


def test_a_sheet_never_replaces_nor_removes_a_photo_or_mask(photos, tmp_path, monkeypatch):
    """--sheet MASKS/basic.png wrote the sheet over that truth without a word (exit 0); a mask
    named like a further page of the sheet (x-2.png beside --sheet x.png) was written over or
    removed as a page of an earlier sheet."""
    from livecut import evaluate

    images, masks, truths = photos
    cv2.imwrite(str(masks / "x-2.png"), truths["basic"])   # (a mask without its photo: listed, not scored)
    before = {p.name: p.read_bytes() for p in masks.iterdir()}
    monkeypatch.setattr(evaluate, "_sheet_row", lambda *a: pytest.fail("evaluated before refusing"))
    for sheet in (masks / "basic.png", images / "basic.png"):
        r = invoke("eval", images, masks, "--sheet", sheet)
        assert r.exit_code == 2, r.output
        assert f"--sheet {sheet}: inside " in r.stderr
    monkeypatch.setattr(evaluate, "SHEET_PAGE_ROWS", 1)   # two photos: x.png, x-2.png
    r = invoke("eval", images, masks, "--sheet", masks / "x.png")
    assert r.exit_code == 2 and f"--sheet {masks / 'x.png'}: inside MASKS" in r.stderr, r.output
    assert {p.name: p.read_bytes() for p in masks.iterdir()} == before
    # a page outside IMAGES and MASKS that is a link to a mask: neither written over nor removed
    monkeypatch.undo()
    out = tmp_path / "out"
    out.mkdir()
    (out / "x-2.png").symlink_to(masks / "x-2.png")
    monkeypatch.setattr(evaluate, "SHEET_PAGE_ROWS", 1)
    monkeypatch.setattr(evaluate, "_sheet_row", lambda *a: pytest.fail("evaluated before refusing"))
    r = invoke("eval", images, masks, "--sheet", out / "x.png")
    assert r.exit_code == 2 and f"{out / 'x-2.png'} is a photo or mask" in r.stderr, r.output
    assert {p.name: p.read_bytes() for p in masks.iterdir()} == before and (out / "x-2.png").is_symlink()


@pytest.mark.parametrize("spec, said", [("", "--sheet is empty"),
                                        ("https://user:s3cret@host/sheet.png", "local")])
def test_an_empty_or_url_sheet_is_refused_clearly(photos, spec, said):
    """--sheet "$OUT" with OUT unset was "--sheet .: not a colour picture"; a URL became a path
    (its :// folded to :/, out of redaction's reach): "no folder https:/user:s3cret@host", the
    password on stderr."""
    images, masks, _ = photos
    r = invoke("eval", images, masks, "--sheet", spec)
    assert r.exit_code == 2, r.output
    assert said in r.stderr and "s3cret" not in r.stderr and r.stdout == ""


@pytest.mark.parametrize("kind", ["file", "fifo"])
def test_a_sheet_whose_folder_is_a_file_is_said_so(photos, tmp_path, kind):
    """--sheet out/s.png where out is a file or a named pipe, not a folder: it said '--sheet
    out/s.png: no folder out', of a name that is there."""
    import os

    images, masks, _ = photos
    out = tmp_path / "out"
    if kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no named pipes here")
        os.mkfifo(out)
    else:
        out.write_bytes(b"x")
    r = invoke("eval", images, masks, "--sheet", out / "s.png")
    assert r.exit_code == 2, r.output
    assert r.stderr == f"livecut: error: --sheet {out / 's.png'}: {out} is not a folder\n", r.stderr


def test_sheet_rows_say_which_photo_they_are_and_its_scores(tmp_path):
    """The rows were image | truth | mask | cutout only: in a sheet of 200 photos (50 a page,
    fewer where one failed) a row could be told only by counting. Each row starts with a
    label: the photo's number, its name and its scores."""
    from livecut import evaluate

    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    img, gt = make_scene("basic", W, H, seed=0)
    for name in ("a", "b"):  # the same photo and truth under two names
        cv2.imwrite(str(images / f"{name}.png"), img)
        cv2.imwrite(str(masks / f"{name}.png"), gt)
    sheet = tmp_path / "sheet.png"
    data = _scores(images, masks, "--sheet", sheet)
    page = cv2.imread(str(sheet))
    rows = [page[k * (evaluate.SHEET_ROW + 4):k * (evaluate.SHEET_ROW + 4) + evaluate.SHEET_ROW] for k in range(2)]
    assert page.shape[0] == 2 * (evaluate.SHEET_ROW + 4)
    assert not np.array_equal(rows[0], rows[1])  # (they were the same picture)
    label = evaluate.SHEET_LABEL
    assert np.array_equal(rows[0][:, label:], rows[1][:, label:])  # the panels after the label
    for k, row in enumerate(rows):
        lines = evaluate.sheet_caption(k + 1, data["images"][k]["name"], data["images"][k])
        assert lines[0] == f"#{k + 1}" and lines[1] == "ab"[k] + ".png"
        assert lines[2] == f"IoU {data['images'][k]['iou']:.3f}  F {data['images'][k]['f']:.3f}"
        assert np.array_equal(row[:, :label], evaluate._sheet_label(lines, evaluate.SHEET_ROW))
    # a long name is broken into lines (at most 5) and cut with "..."
    lines = evaluate.sheet_caption(7, "x" * 200, {"iou": 0.5, "f": 0.25, "mae": 0.125})
    assert lines[1:6] == ["x" * 22] * 4 + ["x" * 19 + "..."] and lines[-1] == "MAE 0.125"
    assert len(lines) == 8  # all drawn: SHEET_ROW holds 8 lines
    assert evaluate.sheet_caption(7, "a", {"iou": 0.5, "f": 0.25, "mae": 0.125}, 2.0)[-1] == "MAE 0.125  at x2"


def test_many_rows_fit_a_jpeg_sheet():
    """The default page holds rows a JPEG and a WebP can take."""
    from livecut import evaluate

    assert evaluate.SHEET_PAGE_ROWS * (evaluate.SHEET_ROW + 4) <= 16383


@pytest.mark.parametrize("bad", ["uint16", "float32", "empty", "list"])
def test_degrade_refuses_what_it_cannot_degrade(bad):
    """degrade gave a 16-bit picture back white (clipped at 255 and cast), a 0-1 float one
    black, both without a word; an empty one raised cv2.error, a list AttributeError."""
    from livecut.errors import ArrayError
    from livecut.evaluate import degrade

    img = np.full((32, 32, 3), 100, np.uint8)
    img = {"uint16": img.astype(np.uint16) * 257, "float32": img.astype(np.float32) / 255,
           "empty": img[:0], "list": img.tolist()}[bad]
    for kw in ({"noise": 4.0}, {"jpeg": 80}):
        with pytest.raises(ArrayError, match="uint8"):
            degrade(img, **kw)


@pytest.mark.parametrize("shape", [(32, 48), (32, 48, 1), (32, 48, 2), (32, 48, 3), (32, 48, 4)])
def test_degrade_keeps_the_channels(shape):
    """degrade(jpeg=) of a BGRA picture came back BGR (its alpha dropped), of HxWx1 as HxW;
    of gray + alpha (HxWx2) it raised cv2.error."""
    import cv2

    from livecut.evaluate import degrade

    img = np.random.default_rng(0).integers(0, 256, shape, np.uint8)
    for kw in ({"jpeg": 80}, {"noise": 4.0, "jpeg": 80}, {"noise": 4.0}):
        out = degrade(img, **kw)
        assert out.shape == img.shape and out.dtype == np.uint8
    if len(shape) == 3 and shape[2] in (2, 4):  # the colour (gray) compressed, the alpha kept
        out = degrade(img, jpeg=80)
        assert np.array_equal(out[:, :, -1], img[:, :, -1])
        color = img[:, :, :-1]
        ok, buf = cv2.imencode(".jpg", color, [cv2.IMWRITE_JPEG_QUALITY, 80])
        assert ok and np.array_equal(out[:, :, :-1], cv2.imdecode(buf, cv2.IMREAD_UNCHANGED).reshape(color.shape))
        assert not np.array_equal(out[:, :, :-1], color)


def test_degrade_refuses_a_jpeg_of_more_than_four_channels():
    """cv2.imencode raised cv2.error for 5 channels (noise alone takes any number)."""
    from livecut.errors import ArrayError
    from livecut.evaluate import degrade

    img = np.zeros((32, 48, 5), np.uint8)
    with pytest.raises(ArrayError, match="5 channels"):
        degrade(img, jpeg=80)
    assert degrade(img, noise=4.0).shape == img.shape


@pytest.mark.parametrize("kw", [{"noise": float("nan")}, {"noise": float("inf")}, {"noise": -2.0},
                                {"noise": "5"}, {"noise": None}, {"noise": True}, {"jpeg": -1},
                                {"jpeg": 101}, {"jpeg": True}, {"jpeg": 50.5}, {"jpeg": "50"},
                                {"jpeg": None}])
def test_degrade_and_evaluate_folder_refuse_bad_noise_and_quality(tmp_path, kw):
    """degrade took NaN and negative noise as none, inf as salt and pepper, and let OpenCV
    clamp a quality out of range (printing a warning), take True as 1 and 50.5 as 50;
    evaluate_folder took jpeg=True ('JPEG qTrue') and 50.5, and raised a bare TypeError for
    a string or None."""
    from livecut.config import Config
    from livecut.errors import UsageError
    from livecut.evaluate import degrade, evaluate_folder

    with pytest.raises(UsageError, match="--noise|--jpeg"):
        degrade(np.zeros((16, 16, 3), np.uint8), **kw)
    (tmp_path / "i").mkdir()
    (tmp_path / "m").mkdir()
    with pytest.raises(UsageError, match="--noise|--jpeg"):
        evaluate_folder(tmp_path / "i", tmp_path / "m", Config(), **kw)


@pytest.mark.parametrize("soft", [float("nan"), float("inf"), 0.0, -2.0, 0.5, 9.0, True, "2", None])
def test_evaluate_folder_refuses_a_bad_soften(photos, soft):
    """evaluate_folder(soft=nan) failed as a bare ValueError ("cannot convert float NaN to
    integer"), inf reduced each photo to 8x8 pixels and 0 or less scored it unsoftened; the
    CLI refuses them in one line naming --soften (exit 2)."""
    from livecut.config import Config
    from livecut.errors import UsageError
    from livecut.evaluate import evaluate_folder

    images, masks, _ = photos
    with pytest.raises(UsageError, match="--soften"):
        evaluate_folder(images, masks, Config(), soft=soft)
    if isinstance(soft, float):
        r = invoke("eval", images, masks, f"--soften={soft}")
        assert r.exit_code == 2 and "--soften" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.output


@pytest.mark.parametrize("given, said", [
    (["--soften", "0"], "--soften 0: expected a factor of 1 to 8 (1: the photo as it is)"),
    (["--soften=1e1"], "--soften 1e1: expected a factor of 1 to 8 (1: the photo as it is)"),
    (["--noise", "1e400"], "--noise 1e400: expected a sigma of 0 to 64 gray levels"),
    (["--noise", "-1"], "--noise -1: expected a sigma of 0 to 64 gray levels"),
    (["--jpeg", "0101"], "--jpeg 0101: expected a quality of 1 to 100 (0: none)"),
])
def test_a_degradation_out_of_range_is_said_as_written(photos, given, said):
    """`livecut eval ... --soften 0` said "--soften 0.0: expected ...", --noise 1e400 "--noise
    inf", numbers the command line did not hold: each is said as written, as --set's are."""
    images, masks, _ = photos
    r = invoke("eval", images, masks, *given)
    assert r.exit_code == 2, r.output
    assert r.stderr.strip().splitlines() == [f"livecut: error: {said}"], r.stderr


@pytest.mark.parametrize("q", ["101", "-1"])
def test_a_jpeg_quality_out_of_range_is_said_as_the_other_options_are(photos, q):
    """`livecut eval ... --jpeg 101` said Click's "Invalid value for '--jpeg': Input should be less
    than or equal to 100 (see 'livecut eval --help')", unlike --noise's and --soften's range errors:
    it says what --jpeg takes, as they do (exit 2)."""
    images, masks, _ = photos
    r = invoke("eval", images, masks, f"--jpeg={q}")
    assert r.exit_code == 2, r.output
    assert r.stderr.strip().splitlines() == [f"livecut: error: --jpeg {q}: expected a quality of 1 to 100 (0: none)"], \
        r.stderr


def test_a_folder_not_there_is_said_to_be_missing_not_no_folder(photos):
    """`livecut eval images/ mask/` (a typo of masks/) said "mask: not a folder", as of a file
    given: a folder not there is said so, a link to nothing named; a file is still 'not a folder'."""
    images, masks, _ = photos
    typo = masks.parent / "mask"
    (masks.parent / "gone").symlink_to(masks.parent / "moved")
    for given, said in ((typo, f"{typo}: no such folder"),
                        (masks.parent / "gone", f"{masks.parent / 'gone'}: no such folder ({masks.parent / 'gone'} is a "
                                                f"link to {masks.parent / 'moved'}, which is not there)"),
                        (masks / "basic.png", f"{masks / 'basic.png'}: a picture, not a folder: livecut eval reads "
                                              "a folder of photos and a folder of their masks, of the same names, "
                                              "or one folder of both (a.jpg beside a_mask.png); for one photo, put "
                                              "it and its mask in a folder: livecut eval FOLDER")):
        r = invoke("eval", images, given)
        assert r.exit_code == 2, r.output
        assert r.stderr.strip().splitlines() == [f"livecut: error: {said}"], r.stderr


def test_a_photo_or_a_video_given_for_a_folder_says_what_eval_reads(photos, tmp_path):
    """`livecut eval photo.jpg mask.png` (a pair, as `livecut image` takes a photo) and `livecut
    eval clip.mp4 masks/` said "photo.jpg: not a folder" alone, not what eval reads; another
    file is still 'not a folder'."""
    images, masks, _ = photos
    (tmp_path / "clip.mp4").write_bytes(bytes(64))
    (tmp_path / "names.txt").write_text("basic\n")
    for given, other, said in (
            (images / "basic.png", masks / "basic.png",
             f"{images / 'basic.png'}: a picture, not a folder: livecut eval reads a folder of photos and a "
             "folder of their masks, of the same names, or one folder of both (a.jpg beside a_mask.png); for one "
             "photo, put it and its mask in a folder: livecut eval FOLDER"),
            (tmp_path / "clip.mp4", masks,
             f"{tmp_path / 'clip.mp4'}: a video, not a folder: livecut eval reads a folder of photos and a folder "
             "of their masks, of the same names, or one folder of both (a.jpg beside a_mask.png); save the frames the masks are of as pictures first"),
            (tmp_path / "names.txt", masks, f"{tmp_path / 'names.txt'}: not a folder")):
        r = invoke("eval", given, other)
        assert r.exit_code == 2, r.output
        assert r.stderr.strip().splitlines() == [f"livecut: error: {said}"], r.stderr


def test_evaluate_folder_takes_its_bars_in_any_case_as_the_command_does(photos):
    """`livecut eval IMAGES MASKS --bars Letterbox` takes the word in any case, but the library's
    evaluate_folder(bars="Letterbox") refused it, "--bars 'Letterbox': expected letterbox or
    pillarbox": the photos are letterboxed there too, scored as with "letterbox"; another word
    is still refused (and add_bars, below, stays strict)."""
    from livecut.config import Config
    from livecut.errors import UsageError
    from livecut.evaluate import evaluate_folder

    images, masks, _ = photos
    given = evaluate_folder(images, masks, Config(), subset={"basic"}, bars="LetterBox")
    lower = evaluate_folder(images, masks, Config(), subset={"basic"}, bars="letterbox")
    assert given["as"] == lower["as"] == "photos, letterboxed", (given["as"], lower["as"])
    assert given["mean"]["iou"] == lower["mean"]["iou"]
    with pytest.raises(UsageError, match=r"--bars 'sidebox': expected letterbox or pillarbox"):
        evaluate_folder(images, masks, Config(), bars="sidebox")


@pytest.mark.parametrize("args", [("LETTERBOX", 4), ("bogus", 4), ("letterbox", -4), ("letterbox", 4.5),
                                  ("pillarbox", True)])
def test_add_bars_refuses_an_unknown_kind_or_depth(args):
    """add_bars made any kind but 'letterbox' a pillarbox ('LETTERBOX' too) and raised
    cv2.error for a negative depth."""
    from livecut.errors import UsageError
    from livecut.evaluate import add_bars

    with pytest.raises(UsageError, match="bars"):
        add_bars(np.zeros((16, 16, 3), np.uint8), *args)
    assert add_bars(np.zeros((16, 16, 3), np.uint8), "letterbox", np.int64(4)).shape == (24, 16, 3)


def test_the_table_of_one_scale_other_than_1_says_it(photos):
    """`--scales 2` (one scale) printed the table as at x1: the scale was said nowhere in the text
    (only in --json), so scores at x2 read as the photos' own."""
    images, masks, _ = photos
    r = invoke("eval", images, masks, "--scales", "2")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0].endswith("   scale: x2"), r.stdout
    r = invoke("eval", images, masks)
    assert "scale" not in r.stdout.splitlines()[0], r.stdout


@pytest.mark.parametrize("text,shown", [("1,x", "'x'"), ("x2,abc", "'abc'"), ("X", "'X'"), ("1,,2", "''")])
def test_a_bad_scale_is_quoted_as_given(text, shown):
    """--scales takes "x2" for 2, and stripped the x before the message: `--scales x` said
    "'' is not a number"; the message quotes what was given."""
    from livecut.errors import UsageError
    from livecut.evaluate import parse_scales

    with pytest.raises(UsageError) as info:
        parse_scales(text)
    assert str(info.value) == f"--scales: {shown} is not a number"
    assert parse_scales("x2, 0.5,X1") == (2.0, 0.5, 1.0)


def test_scales_the_table_prints_alike_are_scored_once(photos):
    """`--scales 1,1.0000001` printed two rows `x1` (the table writes 6 digits) that could
    not be told apart; such scales are taken once, as a repeated one is."""
    from livecut.evaluate import parse_scales

    assert parse_scales("1,1.0000001,2,x2,0.5004,0.50040001") == (1.0, 2.0, 0.5004)
    images, masks, _ = photos
    r = invoke("eval", images, masks, "--scales", "1,1.0000001")
    assert r.exit_code == 0, r.output
    assert [ln.split()[0] for ln in r.stdout.splitlines()[1:]] == ["image", "basic.png", "several.png", "mean"]


@pytest.mark.parametrize("text,scales", [("0.5x,1x,2x", (0.5, 1.0, 2.0)), ("x0.5,X1, 2X", (0.5, 1.0, 2.0)),
                                         ("1.5 x", (1.5,)), ("x 3", (3.0,))])
def test_a_scale_takes_an_x_before_or_after_it(text, scales):
    """The table prints its scales as "x0.5", "x1" and people write "2x": `--scales 0.5x,1x,2x`
    was refused ("'0.5x' is not a number"), though "x0.5" was taken."""
    from livecut.evaluate import parse_scales

    assert parse_scales(text) == scales


@pytest.mark.parametrize("text, said", [
    ("0,5", "'0' is outside 0.05 .. 8 (0,5 is two scales, 0 and 5: a scale is written with a point, 0.5)"),
    ("1,0,25", "'0' is outside 0.05 .. 8 (0,25 is two scales, 0 and 25: a scale is written with a point, 0.25)"),
    ("0.5 1", "'0.5 1' is not a number (scales are separated by commas: --scales 0.5,1)"),
    ("x0.5;x2", "'x0.5;x2' is not a number (scales are separated by commas: --scales x0.5,x2)"),
    ("0,01", "'0' is outside 0.05 .. 8"),
    ("0.5 abc", "'0.5 abc' is not a number"),
])
def test_scales_written_with_a_decimal_comma_or_apart_say_how_to_write_them(photos, text, said):
    """`--scales 0,5` (a half, written with a decimal comma) said "'0' is outside 0.05 .. 8" and
    `--scales "0.5 1"` "'0.5 1' is not a number", neither how to write what was meant."""
    images, masks, _ = photos
    r = invoke("eval", images, masks, "--scales", text)
    assert r.exit_code == 2, r.output
    assert r.stderr == f"livecut: error: --scales: {said}\n" and r.stdout == "", r.stderr


@pytest.mark.parametrize("text", ["xx2", "2xx", "x2x", "0_5", "1_0", "0x5", "2*", "nanx", "x"])
def test_scale_junk_is_one_line_and_exit_2(photos, text):
    """Only one x, before or after the number: "xx2" was 2 (every x stripped), "0_5" was 5 (Python's
    digit separator) and "1_0" was "outside 0.05 .. 8" (read as 10)."""
    images, masks, _ = photos
    r = invoke("eval", images, masks, "--scales", text)
    assert r.exit_code == 2, r.output
    assert r.stderr == f"livecut: error: --scales: {text!r} is not a number\n" and r.stdout == ""


@pytest.mark.parametrize("text", ["\uff12", "\u0662", "x\u0662", "1.\uff15", "\uff12x", "1\u00a0x", "x\u30002"])
def test_a_scale_is_ascii_digits(photos, text):
    """A scale is an ASCII decimal number: full-width "\uff12", Arabic-Indic "\u0662" (digits
    Python's float() reads) and a no-break or ideographic space by the x were taken as scales."""
    images, masks, _ = photos
    r = invoke("eval", images, masks, "--scales", text)
    assert r.exit_code == 2, r.output
    assert r.stderr == f"livecut: error: --scales: {text!r} is not a number\n" and r.stdout == ""


def test_the_cli_takes_scales_as_the_table_prints_them(photos):
    images, masks, _ = photos
    r = invoke("eval", images, masks, "--scales", "1x,x0.5", "--json")
    assert r.exit_code == 0, r.output
    assert [s["scale"] for s in json.loads(r.stdout)["scales"]] == [1.0, 0.5]
    text = CliRunner().invoke(app, ["eval", "--help"], env={"COLUMNS": "300", "NO_COLOR": "1"}).stdout
    assert "x0.5 as the table prints it, or 0.5x" in " ".join(text.replace("│", " ").split())


@pytest.mark.parametrize("where", ["images", "masks", "images/sub", "images/linked"])
def test_a_sheet_inside_images_or_masks_is_refused_at_the_first_run(photos, tmp_path, monkeypatch, where):
    """--sheet IMAGES/sheet.png was written (exit 0); the next run read it as a photo without a
    mask (a mask without a photo in MASKS), and the same command again was refused: "--sheet
    images/sheet.png: images/sheet.png is a photo or mask of this evaluation". A sheet that
    the listing would read (IMAGES, MASKS, a subfolder, a folder linked into them) is refused
    before anything is evaluated or written, run after run; the set is left as it was."""
    from livecut import evaluate

    images, masks, _ = photos
    (images / "sub").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (images / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    folder = tmp_path / where
    before = sorted(p for p in tmp_path.rglob("*"))
    monkeypatch.setattr(evaluate, "_sheet_row", lambda *a: pytest.fail("evaluated before refusing"))
    for run in (1, 2):
        r = invoke("eval", images, masks, "--sheet", folder / "sheet.png")
        assert r.exit_code == 2, (run, r.output)
        assert r.stdout == "" and r.stderr.count("\n") == 1, r.stderr
        assert r.stderr.startswith(f"livecut: error: --sheet {folder / 'sheet.png'}: inside "), r.stderr
        assert "give a path outside IMAGES and MASKS" in r.stderr
        assert sorted(p for p in tmp_path.rglob("*")) == before
    monkeypatch.undo()
    data = _scores(images, masks)
    assert data["without_mask"] == [] and data["without_image"] == []


@pytest.mark.parametrize("inner", ["masks", "images"])
def test_a_sheet_in_the_folder_nested_in_the_other_names_the_listing_that_reads_it(tmp_path, monkeypatch, inner):
    """MASKS inside IMAGES (data/ and data/masks/, a layout eval takes: IMAGES' listing leaves
    MASKS out) and --sheet data/masks/sheet.png: refused as "inside IMAGES (data): the next eval
    would read its pages as photos" -- IMAGES' listing never reads them, MASKS' reads them as
    masks. The folder whose listing reads the sheet is named (and IMAGES inside MASKS alike)."""
    from livecut import evaluate

    outer, nested = tmp_path / "data", tmp_path / "data" / "nested"
    nested.mkdir(parents=True)
    images, masks = (outer, nested) if inner == "masks" else (nested, outer)
    for i, name in enumerate(("basic", "several")):
        img, gt = make_scene(name, W, H, seed=i)
        cv2.imwrite(str(images / f"{name}.png"), img)
        cv2.imwrite(str(masks / f"{name}.png"), gt)
    monkeypatch.setattr(evaluate, "_sheet_row", lambda *a: pytest.fail("evaluated before refusing"))
    r = invoke("eval", images, masks, "--sheet", nested / "sheet.png")
    assert r.exit_code == 2, r.output
    what, folder, read = ("MASKS", masks, "masks") if inner == "masks" else ("IMAGES", images, "photos")
    assert r.stderr.startswith(f"livecut: error: --sheet {nested / 'sheet.png'}: inside {what} ({folder}): "
                               f"the next eval would read its pages as {read}; "), r.stderr


def test_a_sheet_beside_the_set_is_written_run_after_run(photos, tmp_path):
    images, masks, _ = photos
    for run in (1, 2):
        data = _scores(images, masks, "--sheet", tmp_path / "sheet.png")
        assert data["sheets"] == [str(tmp_path / "sheet.png")] and data["count"] == 2
        assert data["without_mask"] == [] and data["without_image"] == [] and data["errors"] == []


@pytest.mark.parametrize("ext", [".jpg", ".webp", ".bmp", ".pfm"])
def test_a_sheet_of_any_type_it_writes_is_replaced_by_the_next_run(photos, tmp_path, ext):
    """--sheet sheet.pfm was written, and the next run refused it: 'sheet.pfm is there and is
    not a contact sheet (a picture of yours?)', exit 2 (OpenCV reads a PFM in colour even when
    asked for gray: the page was not told to be a sheet)."""
    images, masks, _ = photos
    for run in (1, 2):
        r = invoke("eval", images, masks, "--json", "--sheet", tmp_path / f"sheet{ext}")
        assert r.exit_code == 0, (run, r.output)
        assert json.loads(r.stdout)["sheets"] == [str(tmp_path / f"sheet{ext}")]


@pytest.mark.parametrize("what", ["fifo", "folder"])
def test_a_sheet_page_that_is_not_a_file_is_refused_before_the_evaluation(photos, tmp_path, monkeypatch, what):
    """A FIFO at --sheet was found after every photo was evaluated ("...: is a FIFO ...: choose
    another -o", an option eval does not have; exit 1); a folder at the second page's name
    (OUT-2.png) was found once the first page was in place: a new first page without its
    second, exit 2. Both are refused before anything is evaluated or written; a FIFO is called
    what every other message calls it, "a FIFO (named pipe)" (it was "a named pipe" here alone)."""
    import os

    from livecut import evaluate

    if what == "fifo" and not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    images, masks, _ = photos
    monkeypatch.setattr(evaluate, "SHEET_PAGE_ROWS", 1)   # two photos: two pages
    monkeypatch.setattr(evaluate, "_sheet_row", lambda *a: pytest.fail("evaluated before refusing"))
    out = tmp_path / "out"
    out.mkdir()
    sheet, page = out / "sheet.png", out / ("sheet.png" if what == "fifo" else "sheet-2.png")
    os.mkfifo(page) if what == "fifo" else page.mkdir()
    r = invoke("eval", images, masks, "--sheet", sheet)
    assert r.exit_code == 2 and r.stdout == "", r.output
    assert r.stderr == (f"livecut: error: --sheet {sheet}: {page} is "
                        f"{'a FIFO (named pipe)' if what == 'fifo' else 'a folder'}, not a regular file; "
                        "give another path\n"), r.stderr
    assert [p.name for p in out.iterdir()] == [page.name]


def test_the_temporary_pages_of_a_killed_run_are_removed_by_the_next(photos, tmp_path):
    """A run killed (kill -9, the out-of-memory killer) once a page was written left it beside
    the sheet under its temporary name (.sheet.png.livecut-PID-...png, megabytes a page) for
    good: later runs to the same --sheet wrote theirs and left it. They remove the temporary
    pages of this machine's runs that are gone, as `livecut image` does its own; not those of a
    run still going."""
    import os
    import subprocess
    import sys
    import time

    from livecut.atomic import _host_tag, temp_prefix
    from livecut.evaluate import sheet_page_path

    images, masks, _ = photos
    out = tmp_path / "out"
    out.mkdir()
    sheet = out / "sheet.png"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()

    def temp(page: int, pid) -> Path:
        p = sheet_page_path(sheet, page)
        t = p.with_name(f"{temp_prefix(p)}{pid}-{_host_tag()}-0123abcd{p.suffix}")
        t.write_bytes(b"half a page")
        os.utime(t, (time.time() - 600, time.time() - 600))
        return t

    left = [temp(1, gone), temp(2, gone), temp(3, gone)]   # (a longer run's: three pages)
    running = temp(1, os.getppid())
    data = _scores(images, masks, "--sheet", sheet)
    assert data["sheets"] == [str(sheet)]
    assert not any(p.exists() for p in left)
    assert sorted(p.name for p in out.iterdir()) == sorted([running.name, "sheet.png"])


def test_sigterm_stops_eval_with_one_line_and_removes_the_pages_written(photos, tmp_path):
    """`livecut eval --sheet` stopped by SIGTERM (a job runner's timeout) was killed by the
    signal: no word, and the pages of the sheet written so far left beside it at their
    temporary names. It says 'stopped by SIGTERM', exit 143, and removes them, as on Ctrl-C."""
    import os
    import subprocess
    import sys

    from conftest import REPO

    images, masks, _ = photos
    out = tmp_path / "out"
    out.mkdir()
    # (the signal comes once the first page is written at its temporary name: a page a row)
    code = ("import os, signal\n"
            "from livecut import evaluate\n"
            "from livecut._entry import main\n"
            "evaluate.SHEET_PAGE_ROWS = 1\n"
            "real = evaluate._write_sheet\n"
            "def written_then_stopped(*a, **k):\n"
            "    real(*a, **k)\n"
            "    os.kill(os.getpid(), signal.SIGTERM)\n"
            "evaluate._write_sheet = written_then_stopped\n"
            "main()\n")
    r = subprocess.run([sys.executable, "-c", code, "eval", str(images), str(masks), "--sheet", str(out / "sheet.png")],
                       capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert (r.returncode, r.stderr) == (143, "livecut: error: stopped by SIGTERM\n"), (r.returncode, r.stderr)
    assert list(out.iterdir()) == []


def test_no_photos_outside_masks_says_masks_are_left_out(photos):
    """`livecut eval data data/masks` where data/ holds nothing but the masks: 'data: no photos:
    no image files in it or its subfolders', while its subfolder held 2 pictures (MASKS, which
    IMAGES' listing leaves out); and the other way round for MASKS."""
    import shutil

    images, masks, _ = photos
    shutil.rmtree(images)
    r = invoke("eval", masks.parent, masks)
    assert r.exit_code == 2
    assert "no photos" in r.stderr and f"MASKS ({masks})" in r.stderr
    r = invoke("eval", masks, masks.parent)
    assert r.exit_code == 2 and "no masks" in r.stderr and f"IMAGES ({masks})" in r.stderr


def test_a_panorama_is_scored_as_livecut_image_cuts_it(tmp_path):
    """`livecut image` cuts a panorama (over 4:1) in windows; eval judged it whole, at 320x32
    pixels for a 1000x100 one: IoU 0.58 where the mask `livecut image` writes of that photo
    scores 0.93. Its photos are scored as `livecut image` cuts them, windows and all."""
    rng = np.random.default_rng(7)
    sharp = rng.integers(0, 256, (100, 1000, 3), dtype=np.uint8)
    img = cv2.GaussianBlur(sharp, (0, 0), 6)
    gt = np.zeros((100, 1000), np.uint8)
    for x0 in (100, 600):   # two subjects along it
        img[25:75, x0:x0 + 150] = sharp[25:75, x0:x0 + 150]
        gt[25:75, x0:x0 + 150] = 255
    _scored_as_livecut_image_writes(tmp_path, "pano.png", img, gt)


@pytest.mark.parametrize("vertical", [False, True])
def test_an_i420_panorama_is_cut_in_windows_as_livecut_image_cuts_it(tmp_path, monkeypatch, vertical):
    """--i420 without --video took the photo settings but not the windows `livecut image` cuts a
    panorama in: the whole panorama was judged at once, a 1000x16 photo scored IoU 0.00 where
    without --i420 0.50, a 1000x100 one 0.57 where 0.93. Its windows are judged as planes,
    those `livecut image` cuts (one of an odd side too: 303 of 999x101)."""
    from livecut import segment

    rng = np.random.default_rng(7)
    for n, (h, w) in enumerate([(100, 1000), (101, 999)]):
        sharp = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        img = cv2.GaussianBlur(sharp, (0, 0), 6)
        gt = np.zeros((h, w), np.uint8)
        for x0 in (100, 600):   # two subjects along it
            img[25:75, x0:x0 + 150] = sharp[25:75, x0:x0 + 150]
            gt[25:75, x0:x0 + 150] = 255
        if vertical:
            img, gt = np.ascontiguousarray(img.transpose(1, 0, 2)), np.ascontiguousarray(gt.T)
        for d in ("i", "m"):
            (tmp_path / str(n) / d).mkdir(parents=True)
        cv2.imwrite(str(tmp_path / str(n) / "i" / "pano.png"), img)
        cv2.imwrite(str(tmp_path / str(n) / "m" / "pano.png"), gt)
    judged = []
    mask_i420 = segment.Segmenter.mask_i420

    def seen(self, i420, *a, **k):
        judged.append((i420.shape[0] * 2 // 3, i420.shape[1]))
        return mask_i420(self, i420, *a, **k)

    monkeypatch.setattr(segment.Segmenter, "mask_i420", seen)
    row = _scores(tmp_path / "0" / "i", tmp_path / "0" / "m", "--i420")["images"][0]
    assert vertical or row["iou"] > 0.8, row  # (standing, 0.64 -- the engine's own on I420 windows)
    judged.clear()
    _scores(tmp_path / "1" / "i", tmp_path / "1" / "m", "--i420")
    window = (302, 100) if vertical else (100, 302)  # (303 x 101: the odd sides left out of the planes)
    assert set(judged) == {window} and len(judged) == 2 * 4, judged  # (4 windows, run twice: once untimed)


def _scored_as_livecut_image_writes(tmp_path, name, img, gt) -> dict:
    """``img`` and its truth ``gt`` as a set of one photo (``tmp_path``/i, /m): its row of eval
    is the score of the mask `livecut image` writes of it, which is good (IoU > 0.8); the row."""
    from livecut.evaluate import score

    for d in ("i", "m"):
        (tmp_path / d).mkdir()
    cv2.imwrite(str(tmp_path / "i" / name), img)
    cv2.imwrite(str(tmp_path / "m" / name), gt)
    row = _scores(tmp_path / "i", tmp_path / "m")["images"][0]
    r = invoke("image", tmp_path / "i" / name, "-o", tmp_path / "mask.png", "--mode", "mask")
    assert r.exit_code == 0, r.output
    written = score(cv2.imread(str(tmp_path / "mask.png"), cv2.IMREAD_GRAYSCALE), gt)
    assert written.iou > 0.8
    assert (row["iou"], row["f"], row["mae"]) == pytest.approx((written.iou, written.f, written.mae), abs=1e-6)
    return row


def test_eval_times_no_photo_with_the_engine_set_up_for_another_size(tmp_path, monkeypatch):
    """'ms' is the engine's time on the photo, its buffers set up before: a photo of the size of
    one before it, but after a photo of another size, was timed with the engine set up again for
    its size (about 25 % more: 13.6 ms against 10.8 at 640x427), its time counting the order of
    the photos. Every timed run follows a run on a frame of its size."""
    from livecut import segment
    from livecut.config import load_config
    from livecut.evaluate import evaluate_folder

    (tmp_path / "i").mkdir()
    (tmp_path / "m").mkdir()
    for name, (w, h) in {"a": (96, 64), "b": (80, 64), "c": (96, 64), "d": (96, 64)}.items():
        img, gt = make_scene(w=w, h=h, seed=ord(name))
        cv2.imwrite(str(tmp_path / "i" / f"{name}.png"), img)
        cv2.imwrite(str(tmp_path / "m" / f"{name}.png"), gt)
    calls = []

    class Spy(segment.Segmenter):
        def mask(self, frame, *a, **k):
            calls.append((id(self), "mask", frame.shape))
            return super().mask(frame, *a, **k)

        def reset(self):
            calls.append((id(self), "reset", None))
            super().reset()

    monkeypatch.setattr(segment, "Segmenter", Spy)
    r = evaluate_folder(tmp_path / "i", tmp_path / "m", load_config(None, ["segment.method=canny"]),
                        scales=(1.0, 2.0))
    assert r["count"] == 4 and len(r["scales"]) == 2
    timed = 0
    for k, (who, what, shape) in enumerate(calls):
        if what == "mask" and k and calls[k - 1][1] == "reset":  # the timed run
            before = [s for w, x, s in calls[:k] if w == who and x == "mask"]
            assert before and before[-1] == shape, (k, calls)
            timed += 1
    assert timed == 8


def test_masks_named_as_their_photo_whole_are_paired(photos):
    """masks/basic.png.png for images/basic.png (a tool that adds .png to the photo's whole
    name) was 'no image ... has a mask of the same name', exit 2."""
    images, masks, truths = photos
    for name in truths:
        (masks / f"{name}.png").rename(masks / f"{name}.png.png")
    data = _scores(images, masks, "--set", "segment.method=canny")
    assert [row["name"] for row in data["images"]] == ["basic.png", "several.png"]
    assert data["without_mask"] == [] and data["without_image"] == []


def test_a_subset_written_on_windows_names_its_photos(tmp_path):
    r"""A split listing x\a.jpg (written on Windows) named no photo: the backslash was taken
    as part of the file name."""
    images, masks = _two_folders_of_a_jpg(tmp_path)
    split = tmp_path / "split.txt"
    split.write_bytes(b"data\\images\\x\\a.jpg\r\nz\\a.jpg\r\n")
    data = _scores(images, masks, "--subset", split, "--set", "segment.method=canny")
    assert [row["name"] for row in data["images"]] == ["x/a.jpg"]
    assert data["subset_missing"] == ["z/a"]


@pytest.mark.parametrize("how", ["chattr +a", "EPERM"])
def test_a_killed_runs_temporary_page_the_next_run_cannot_remove_is_named(photos, tmp_path, unremovable, how):
    """The next sheet of that name removes the temporary pages a killed run (kill -9) left beside
    it; in a folder that lets no name be removed (append-only) they stayed, without a word. A
    warning line names each."""
    import os
    import re
    import time

    from livecut.atomic import temp_path

    images, masks, _ = photos
    out = tmp_path / "out"
    out.mkdir()
    dead = 4_000_000
    while os.path.exists(f"/proc/{dead}"):
        dead += 1
    old = temp_path(out / "sheet-2.png")
    old = old.with_name(re.sub(r"-\d+-", f"-{dead}-", old.name, count=1))
    old.write_bytes(b"half a page")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    unremovable(how, out, lambda p: p == old)
    r = invoke("eval", images, masks, "--sheet", out / "sheet.png")
    assert r.exit_code == 0, r.output
    assert old.exists()
    assert (f"livecut: warning: {old}: a temporary file of {out / 'sheet-2.png'} an earlier run left could not be "
            f"removed ({APPEND_ONLY}): remove it once the folder allows") in r.stderr.splitlines(), r.stderr


@pytest.mark.parametrize("hidden", ["noise", "white"])
def test_a_photo_with_its_own_transparency_is_scored_as_livecut_image_cuts_it(tmp_path, hidden):
    """`livecut image` judges a picture with its own alpha as it shows (its colours over a fill
    where it is transparent) and writes the cut times that alpha; eval judged the colours
    stored under the transparency, which nothing shows, and scored the cut alone: sharp noise
    hidden there scored as kept.  Its photos are scored on the mask `livecut image` writes."""
    img, gt = make_scene("basic", 320, 240, seed=1)
    own = np.full(gt.shape, 255, np.uint8)
    own[:, :96] = 0  # (a band erased, through the subject: its truth there is out)
    gt = gt.copy()
    gt[:, :96] = 0
    rgba = cv2.cvtColor(img, cv2.COLOR_BGR2BGRA)
    rgba[:, :, 3] = own
    rng = np.random.default_rng(3)
    rgba[:, :96, :3] = rng.integers(0, 256, (240, 96, 3), dtype=np.uint8) if hidden == "noise" else 255
    row = _scored_as_livecut_image_writes(tmp_path, "cut.png", rgba, gt)
    # as a video frame: judged as it shows too, as the video pipeline judges a frame with its own
    # alpha (it was judged on the colours stored under the transparency), the cut times its alpha
    video = _scores(tmp_path / "i", tmp_path / "m", "--video")["images"][0]
    # (on the stored colours: IoU 0.91 with noise hidden, 0.87 with white; as it shows 0.999 either way)
    assert video["iou"] > 0.97 and video["mae"] <= row["mae"] + 0.01, video


@pytest.mark.parametrize("entry, said", [(None, "entry 2 is null"), (True, "entry 2 is true"),
                                         ({"name": "basic"}, 'entry 2 is {"name": "basic"}')])
def test_a_json_subset_entry_that_is_not_a_name_is_refused(photos, tmp_path, entry, said):
    """A JSON split holding a null, a true or an object among its names (a script's missing
    value, a list of records) took it as the name 'None', 'True' or "{'name': 'basic'}":
    '1 name(s) of --subset not in IMAGES: None', exit 0, a name the file does not hold, in
    Python's words; it is refused, naming the entry as the file writes it."""
    images, masks, _ = photos
    split = tmp_path / "split.json"
    split.write_text(json.dumps({"val": ["several.png", entry]}))
    r = invoke("eval", images, masks, "--subset", f"{split}:val", "--set", "segment.method=canny")
    assert r.exit_code == 2, r.output
    assert f"--subset: {split}:val: {said}, not a name" in r.stderr and r.stdout == "", r.stderr
    assert "None" not in r.stderr and "True" not in r.stderr
    split.write_text(json.dumps(["several.png", 7]))  # (a number is a name: 7.jpg)
    assert invoke("eval", images, masks, "--subset", split, "--set", "segment.method=canny").exit_code == 0


@pytest.mark.parametrize("where", ["IMAGES", "MASKS", "--sheet"])
def test_a_url_for_eval_does_not_point_at_livecut_run(photos, where):
    """A URL as IMAGES, MASKS or --sheet was refused with '... (use `livecut run` for streams)',
    which neither scores photos against masks nor writes a contact sheet."""
    images, masks, _ = photos
    url = "https://user:s3cret@host/set"
    args = {"IMAGES": [url, masks], "MASKS": [images, url], "--sheet": [images, masks, "--sheet", url + ".png"]}[where]
    r = invoke("eval", *args)
    assert r.exit_code == 2, r.output
    assert "is a URL; " in r.stderr and "livecut run" not in r.stderr and "s3cret" not in r.stderr, r.stderr


def test_a_url_subset_is_refused_as_a_url_without_its_password(photos):
    """--subset https://user:s3cret@host/split.txt was '--subset: https://user:s3cret@host/split.txt:
    no such file': not said to be a URL, and the password in the library's message (the command
    line's redaction alone kept it off stderr)."""
    from livecut.errors import UsageError
    from livecut.evaluate import read_subset

    url = "https://user:s3cret@host/split.json:val"
    with pytest.raises(UsageError) as exc:
        read_subset(url)
    assert "is a URL" in str(exc.value) and "s3cret" not in str(exc.value), exc.value
    images, masks, _ = photos
    r = invoke("eval", images, masks, "--subset", url)
    assert r.exit_code == 2 and "is a URL; --subset reads a local file" in r.stderr, r.output


def test_a_name_the_output_s_encoding_cannot_write_is_escaped_not_an_internal_error(photos):
    """Standard output in an encoding without every character (Windows' cp1252 into a file,
    PYTHONIOENCODING=latin-1): the table naming 日本.png said 'internal error: UnicodeEncodeError:
    'latin-1' codec can't encode characters', exit 1, the results lost; the name is escaped."""
    import os
    import subprocess
    import sys

    images, masks, _ = photos
    for folder in (images, masks):
        (folder / "basic.png").rename(folder / "\u65e5\u672c.png")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent), PYTHONIOENCODING="latin-1")
    r = subprocess.run([sys.executable, "-m", "livecut", "eval", str(images), str(masks)], capture_output=True,
                       env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode("latin-1")
    assert "\\u65e5\\u672c.png" in out and "several.png" in out and "mean" in out, out


def test_the_scores_are_those_a_hand_count_gives(tmp_path, monkeypatch):
    """IoU, F (beta^2 = 0.3) and MAE of the datasets' README, checked end to end (the masks as
    files, read, paired and resized; the mean over the photos; a scale of 2) against a count by
    hand of a known cut: the segmenter gives the left half of each frame at 200, the rest at 50."""
    from livecut import evaluate

    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    rng = np.random.default_rng(0)
    for name in ("a", "b"):
        cv2.imwrite(str(images / f"{name}.png"), rng.integers(0, 256, (40, 60, 3), np.uint8))
    a = np.zeros((40, 60), np.uint8)
    a[10:30, 20:50] = 1                       # a 0/1 mask: 600 pixels in focus, 200 of them in the cut's half
    cv2.imwrite(str(masks / "a.png"), a)
    b = np.zeros((80, 120), np.uint8)
    b[:40] = 255                              # at twice the photo's size: its top half in focus
    cv2.imwrite(str(masks / "b.png"), b)

    def cut(seg, bgr):
        alpha = np.full(bgr.shape[:2], 50, np.uint8)
        alpha[:, :bgr.shape[1] // 2] = 200
        return alpha

    monkeypatch.setattr(evaluate, "_photo_alpha", cut)
    # by hand: a: TP 200 (rows 10-29, columns 20-29), FP 1200 - 200, FN 600 - 200; the cut is
    # 200/255 over 1200 pixels and 50/255 over 1200, the truth 1 over 600 of 2400
    iou_a, p_a, r_a = 200 / (200 + 1000 + 400), 200 / 1200, 200 / 600
    mae_a = (200 * (1 - 200 / 255) + 1000 * 200 / 255 + 400 * (1 - 50 / 255) + 800 * 50 / 255) / 2400
    # b: TP 600 (the top left quarter), FP 600, FN 600
    iou_b, p_b, r_b = 600 / 1800, 0.5, 0.5
    mae_b = (600 * (1 - 200 / 255) + 600 * 200 / 255 + 600 * (1 - 50 / 255) + 600 * 50 / 255) / 2400
    f_a, f_b = (1.3 * p * r / (0.3 * p + r) for p, r in ((p_a, r_a), (p_b, r_b)))
    result = _scores(images, masks, "--scales", "1,2")
    assert result["resized_masks"] == ["b.png"]
    for sc in result["scales"]:
        rows = {r["name"]: r for r in sc["images"]}
        for name, iou, f, mae in (("a.png", iou_a, f_a, mae_a), ("b.png", iou_b, f_b, mae_b)):
            assert (rows[name]["iou"], rows[name]["f"], rows[name]["mae"]) == pytest.approx((iou, f, mae), abs=1e-6)
        assert (sc["mean"]["iou"], sc["mean"]["f"], sc["mean"]["mae"]) == pytest.approx(
            ((iou_a + iou_b) / 2, (f_a + f_b) / 2, (mae_a + mae_b) / 2), abs=1e-6)


def _left_over(path: Path, img: np.ndarray) -> None:
    """``img`` as a JPEG at ``path`` with bytes between its picture data and its end marker:
    libjpeg says 'Corrupt JPEG data: N extraneous bytes before marker 0xd9' and returns it."""
    data = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
    path.write_bytes(data[:-2] + b"\0" * 10 + data[-2:])


def test_a_photo_or_mask_whose_picture_data_may_be_damaged_is_said(photos, tmp_path):
    """A JPEG photo (or mask) with picture data left over, which `livecut image` cuts and says
    ('its picture data may be damaged ...: check its result'), was scored without a word, its
    scores in the mean; they are said as warnings, as `livecut image` says them (exit 0)."""
    images, masks, truths = photos
    photo = images / "basic.jpg"
    _left_over(photo, cv2.imread(str(images / "basic.png")))
    (images / "basic.png").unlink()
    mask = masks / "several.jpg"
    _left_over(mask, truths["several"])
    (masks / "several.png").unlink()
    r = invoke("eval", images, masks, "--json")
    assert r.exit_code == 0, r.output
    said = [f"{p}: its picture data may be damaged (libjpeg: Corrupt JPEG data: " for p in (photo, mask)]
    lines = r.stderr.splitlines()
    assert len(lines) == 2 and all(ln.startswith(f"livecut: warning: {s}") for ln, s in zip(lines, said)), r.stderr
    result = json.loads(r.stdout)
    assert result["count"] == 2 and len(result["warnings"]) == 2 and [w[:len(s)] for w, s in zip(result["warnings"], said)] == said
    assert all(w.endswith("extraneous bytes before marker 0xd9): check its result") for w in result["warnings"])


def test_the_notes_of_a_photo_not_scored_are_not_said_of_it(photos):
    """A photo that is scored at no scale (too small at one of --scales: an error line) was still
    named in the notes of the scored ones -- its mask 'resized to it', 'with nothing in focus: IoU
    and F are 0 there' -- and in --json's resized_masks and empty_masks, beside images that
    do not hold it; its error alone says it."""
    images, masks, _ = photos
    img, _ = make_scene("basic", 24, 18, seed=5)
    cv2.imwrite(str(images / "tiny.png"), img)
    cv2.imwrite(str(masks / "tiny.png"), np.zeros((36, 48), np.uint8))  # twice its size, nothing in focus
    r = invoke("eval", images, masks, "--json", "--scales", "1,0.5")
    assert r.exit_code == 2, r.output
    data = json.loads(r.stdout)
    assert [row["name"] for row in data["images"]] == ["basic.png", "several.png"]
    assert data["resized_masks"] == [] and data["empty_masks"] == []
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("livecut: error: ") and "tiny.png: at x0.5" in lines[0], r.stderr


def test_a_photo_transparent_all_over_is_said(photos):
    """A photo saved with a blank alpha channel (0 everywhere: nothing of it shows) is cut to
    nothing, as `livecut image` cuts it, which says so ('the picture is fully transparent ...');
    eval scored it IoU 0.000, F 0.000 without a word: a note names it, --json lists it."""
    images, masks, _ = photos
    img = cv2.imread(str(images / "basic.png"))
    cv2.imwrite(str(images / "basic.png"), np.dstack([img, np.zeros(img.shape[:2], np.uint8)]))
    r = invoke("eval", images, masks, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["clear_photos"] == ["basic.png"] and data["images"][0]["iou"] == 0.0
    assert r.stderr.splitlines() == [
        "livecut: note: 1 photo(s) fully transparent (alpha 0 everywhere): nothing of them shows, so nothing is "
        "cut, as livecut image cuts them (IoU and F 0 unless the mask is empty too; remove the alpha channel to "
        "score the colours under it): basic.png"], r.stderr
    data = _scores(images, masks, "--video")  # (a video frame with its own alpha, likewise)
    assert data["clear_photos"] == ["basic.png"]
    cv2.imwrite(str(images / "basic.png"), img)
    assert _scores(images, masks)["clear_photos"] == []


@pytest.mark.parametrize("invert", [False, True])
def test_a_soft_mask_at_half_size_is_resized_on_its_levels(tmp_path, invert):
    """A mask at half its photo's size with soft edges (reduced by area, as benchmarks
    distribute theirs) was binarised at its own size, then resized: its edge in the photo a
    staircase of whole mask pixels, the IoU 0.01 off the truth it was reduced from. It is resized
    on its levels, then binarised: the score of the truth at the photo's size (also --invert)."""
    fine = np.zeros((H * 4, W * 4), np.uint8)  # (a truth whose edge falls between pixels)
    cv2.ellipse(fine, (W * 2 + 7, H * 2 - 5), (W + 13, H + 21), 17, 0, 360, 255, -1)
    soft = cv2.resize(fine, (W, H), interpolation=cv2.INTER_AREA)
    rng = np.random.default_rng(3)  # (sharp texture on it, blurred texture around it)
    sharp = rng.integers(0, 256, (H, W, 3), np.uint8)
    blurred = cv2.GaussianBlur(rng.integers(0, 256, (H, W, 3), np.uint8), (0, 0), 5)
    img = np.where((soft >= 128)[..., None], sharp, cv2.normalize(blurred, None, 0, 255, cv2.NORM_MINMAX))
    half = cv2.resize(fine, (W // 2, H // 2), interpolation=cv2.INTER_AREA)
    flip = (lambda m: 255 - m) if invert else (lambda m: m)
    ious = []
    for name, mask in (("full", np.where(soft >= 128, 255, 0).astype(np.uint8)), ("half", half)):
        images, masks = tmp_path / f"i{name}", tmp_path / f"m{name}"
        images.mkdir()
        masks.mkdir()
        cv2.imwrite(str(images / "a.png"), img)
        cv2.imwrite(str(masks / "a.png"), flip(mask))
        data = _scores(images, masks, *(["--invert"] if invert else []))
        assert data["resized_masks"] == ([] if name == "full" else ["a.png"])
        ious.append(data["images"][0]["iou"])
    assert ious[1] == pytest.approx(ious[0], abs=0.003), ious


def test_photos_whose_masks_are_all_in_doubt_are_not_said_to_have_none(tmp_path):
    """Photos in folders, x/a.png and y/a.png, with one flat mask a.png (or a photo with two
    masks, a.png and a.bmp), and no other photo: the error began 'no image in IMAGES has a mask
    of the same name in MASKS (images: a.png, ...; masks: a.png, ...)', the same name shown twice,
    before the error that says why none was paired."""
    img, gt = make_scene("basic", W, H, seed=0)
    for case in ("flat", "two"):
        images, masks = tmp_path / case / "images", tmp_path / case / "masks"
        masks.mkdir(parents=True)
        for sub in (("x", "y") if case == "flat" else ("",)):
            (images / sub).mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(images / sub / "a.png"), img)
        for ext in ((".png",) if case == "flat" else (".png", ".bmp")):
            cv2.imwrite(str(masks / f"a{ext}"), gt)
        r = invoke("eval", images, masks)
        assert r.exit_code == 2, r.output
        assert "has a mask of the same name" not in r.stderr, r.stderr
        why = "the mask of more than one photo" if case == "flat" else "more than one mask of that name"
        assert f"error: no image in {images} could be paired with its mask in {masks}: " in r.stderr, r.stderr
        assert why in r.stderr, r.stderr


def test_a_mask_larger_than_its_photo_is_reduced_by_area(tmp_path):
    """A truth at three times its photo's size (drawn on the camera's photo, the photos
    reduced) was reduced linearly, which samples one mask pixel of three: a line one mask pixel
    wide, a third of a photo pixel, was in focus across whole rows of the photo (or not at all,
    a pixel further), the IoU 0.78 where the truth at the photo's size scores 0.96. It is reduced
    by area, as the cut is brought to the truth's size: in focus where most of a pixel is."""
    k = 3
    fine = np.zeros((H * k, W * k), np.uint8)
    cv2.ellipse(fine, (W * k // 2, H * k // 2), (W * k // 4, H * k // 3), 0, 0, 360, 255, -1)
    native = cv2.resize(fine, (W, H), interpolation=cv2.INTER_AREA)
    for row in range(10, H, 12):  # (one mask pixel wide, in the middle of a photo row)
        fine[row * k + 1] = 255
    rng = np.random.default_rng(4)  # (sharp texture on the ellipse, blurred texture around it)
    sharp = rng.integers(0, 256, (H, W, 3), np.uint8)
    blurred = cv2.GaussianBlur(rng.integers(0, 256, (H, W, 3), np.uint8), (0, 0), 5)
    img = np.where((native >= 128)[..., None], sharp, cv2.normalize(blurred, None, 0, 255, cv2.NORM_MINMAX))
    ious = []
    for name, mask in (("native", np.where(native >= 128, 255, 0).astype(np.uint8)), ("fine", fine)):
        images, masks = tmp_path / f"i{name}", tmp_path / f"m{name}"
        images.mkdir()
        masks.mkdir()
        cv2.imwrite(str(images / "a.png"), img)
        cv2.imwrite(str(masks / "a.png"), mask)
        ious.append(_scores(images, masks)["images"][0]["iou"])
    assert ious[1] == pytest.approx(ious[0], abs=0.003), ious
