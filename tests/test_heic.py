"""HEIC/HEIF photos (iPhones, many Android phones), read with the optional heic extra
(pillow-heif).  The files are made here with pillow-heif's own encoder (its wheel carries
x265); the tests that need it skip without it (CI installs it: ./install.sh --dev)."""

from __future__ import annotations

import io
import json
import os
import struct
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import REPO, run_cli
from livecut.cli import app
from livecut.imageio import icc_profile, read_image
from synth import iou, make_scene

W, H = 320, 240
#: an RGB display profile's header, then padding (as test_cli_image's)
ICC = struct.pack(">I", 600) + b"lcms" + bytes(4) + b"mntrRGB XYZ " + bytes(580)


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _heif():
    heif = pytest.importorskip("pillow_heif")
    if not heif.libheif_info().get("HEIF"):
        pytest.skip("this pillow-heif has no HEVC encoder to make the test files")
    return heif


def _exif(orientation: int) -> bytes:
    """A big-endian EXIF block holding one tag, the orientation (as a camera writes it)."""
    return b"Exif\x00\x00MM\x00*" + struct.pack(">IHHHIHHI", 8, 1, 0x0112, 3, 1, orientation, 0, 0)


def _save(path: Path, mode: str, arr: np.ndarray, **kw) -> Path:
    """``arr`` (RGB, 8 or 16 bits) encoded as HEIC at ``path``; ``kw``: pillow-heif's save options."""
    heif = _heif()
    f = heif.from_bytes(mode, (arr.shape[1], arr.shape[0]), np.ascontiguousarray(arr).tobytes())
    buf = io.BytesIO()
    f.save(buf, quality=-1, chroma=444, **kw)  # (lossless: the colours are checked)
    path.write_bytes(buf.getvalue())
    return path


def test_an_iphone_photo_is_cut_upright_with_its_colour_profile(tmp_path):
    """`livecut image IMG_0001.HEIC` was refused ("a HEIC/HEIF picture, which livecut does not
    read"): it is cut as a JPEG is.  The photo is stored sideways with the HEIF's own turn
    (irot, which libheif applies) and an EXIF orientation saying the same (6, as an iPhone
    writes both): turned once, not twice; its ICC profile goes into the PNG; the subject's
    mask matches the scene's."""
    img, gt = make_scene("basic", W, H, seed=3)
    src = _save(tmp_path / "IMG_0001.HEIC", "RGB", img[:, :, ::-1], exif=_exif(6), icc_profile=ICC)
    assert b"irot" in src.read_bytes()  # (the turn is the file's own, besides the EXIF tag)
    r = invoke("image", src, "-o", tmp_path / "cut", "-q")
    assert r.exit_code == 0, r.output
    out_path = tmp_path / "cut" / "IMG_0001.png"
    out = cv2.imread(str(out_path), cv2.IMREAD_UNCHANGED)
    upright = cv2.rotate(img, cv2.ROTATE_90_CLOCKWISE)  # (EXIF 6: shown turned a quarter clockwise)
    assert out.shape == (W, H, 4), out.shape
    assert iou(out[:, :, 3], cv2.rotate(gt, cv2.ROTATE_90_CLOCKWISE)) > 0.85
    inside = out[:, :, 3] == 255
    assert np.abs(out[:, :, :3][inside].astype(int) - upright[inside]).mean() < 4
    assert icc_profile(np.fromfile(out_path, np.uint8)) == ICC
    # read as stored (eval's second look): the HEIF's turn is part of it, so the same picture
    meta: dict = {}
    assert read_image(src, meta).shape[:2] == read_image(src, upright=False).shape[:2] == (W, H)
    assert meta["icc"] == ICC and meta["pictures"] is None


def test_a_heic_photo_s_resolution_is_kept(tmp_path):
    """A HEIC photo's resolution (its EXIF's XResolution and YResolution) was not read: its
    cutout stated none, where a JPEG's states the JPEG's.  It is read, x and y exchanged where
    the photo is stored sideways (EXIF orientation 6 and the HEIF's irot, as an iPhone writes
    them), and stated in the PNG (read by Pillow)."""
    Image = pytest.importorskip("PIL.Image")
    img, _ = make_scene("basic", W, H, seed=3)
    for name, orientation, dpi in (("plain.heic", 1, (300, 150)), ("turned.heic", 6, (150, 300))):
        exif = Image.Exif()
        exif.update({0x0112: orientation, 282: 300.0, 283: 150.0, 296: 2})
        src = _save(tmp_path / name, "RGB", img[:, :, ::-1], exif=exif.tobytes())
        assert (b"irot" in src.read_bytes()) == (orientation == 6)
        meta: dict = {}
        assert read_image(src, meta).shape[:2] == ((W, H) if orientation == 6 else (H, W))
        assert meta["dpi"] == dpi, name
        out = tmp_path / f"{name}.png"
        r = invoke("image", src, "-o", out, "-q")
        assert r.exit_code == 0, r.output
        with Image.open(out) as got:
            assert np.allclose(got.info.get("dpi", (0, 0)), dpi, atol=0.1), (name, got.info.get("dpi"))
    src = _save(tmp_path / "none.heic", "RGB", img[:, :, ::-1])  # (no EXIF: none, as before)
    meta = {}
    read_image(src, meta)
    assert meta["dpi"] is None


def test_a_10_bit_heic_is_read_at_16_bits(tmp_path):
    """An HDR iPhone photo (10-bit HEVC) is read as other 16-bit inputs are: its values scaled
    from 0-1023 to 0-65535 (white is 65535, not 65472), and cut."""
    img, gt = make_scene("basic", W, H, seed=4)
    ten = (img[:, :, ::-1].astype(np.uint32) * 1023 // 255).astype(np.uint16)
    ten[:8, :8] = 1023  # white
    src = _save(tmp_path / "hdr.heic", "RGB;16", ten << 6)  # (pillow-heif takes 16-bit values, writes 10)
    got = read_image(src)
    assert got.dtype == np.uint16 and got.shape == (H, W, 3)
    assert (got[:8, :8] == 65535).all(), got[:8, :8].min()
    want = (ten[:, :, ::-1].astype(np.uint32) * 65535 // 1023)
    assert np.abs(got.astype(int) - want).mean() < 300
    r = invoke("image", src, "-o", tmp_path / "cut", "--mode", "mask", "-q")
    assert r.exit_code == 0, r.output
    assert iou(cv2.imread(str(tmp_path / "cut" / "hdr.png"), cv2.IMREAD_UNCHANGED), gt) > 0.85


def test_a_heic_of_several_pictures_gives_its_primary_one(tmp_path):
    """A HEIF of several pictures (a burst): the one it marks primary is cut, not the first,
    and the warning says so."""
    heif = _heif()
    img, gt = make_scene("basic", W, H, seed=5)
    f = heif.from_bytes("RGB", (64, 48), np.full((48, 64, 3), 200, np.uint8).tobytes())
    f.add_frombytes("RGB", (W, H), np.ascontiguousarray(img[:, :, ::-1]).tobytes())
    src = tmp_path / "burst.heic"
    f.save(src, quality=-1, chroma=444, primary_index=1)
    meta: dict = {}
    assert read_image(src, meta).shape == (H, W, 3)
    assert meta["pictures"] == ("HEIF file", "pictures", 2)
    r = invoke("image", src, "-o", tmp_path / "cut", "--mode", "mask")
    assert r.exit_code == 0, r.output
    assert "a HEIF file of 2 pictures; only its primary one is cut" in r.stderr, r.stderr
    assert iou(cv2.imread(str(tmp_path / "cut" / "burst.png"), cv2.IMREAD_UNCHANGED), gt) > 0.85


def test_folders_batch_and_eval_take_heic(tmp_path):
    """A folder of iPhone photos was "no images" for `livecut image`, `batch` and `eval`
    (.heic was no image extension): each takes them now."""
    _heif()
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    img, gt = make_scene("basic", W, H, seed=6)
    _save(images / "IMG_0002.HEIC", "RGB", img[:, :, ::-1])
    _save(images / "IMG_0003.heif", "RGB", img[:, :, ::-1])
    for stem in ("IMG_0002", "IMG_0003"):
        cv2.imwrite(str(masks / f"{stem}.png"), gt)
    r = invoke("image", images, "-o", tmp_path / "cut", "--mode", "mask", "-q")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "cut").iterdir()) == ["IMG_0002.png", "IMG_0003.png"]
    r = run_cli("batch", str(images), "-o", str(tmp_path / "batch"), "--jobs", "1", "--mode", "mask", timeout=120)
    assert r.returncode == 0, r.stderr
    assert iou(cv2.imread(str(tmp_path / "batch" / "IMG_0002.png"), cv2.IMREAD_UNCHANGED), gt) > 0.85
    r = invoke("eval", images, masks, "--json")
    assert r.exit_code == 0, r.output
    scores = json.loads(r.stdout)
    assert sorted(i["name"] for i in scores["images"]) == ["IMG_0002.HEIC", "IMG_0003.heif"], r.stdout
    assert scores["mean"]["iou"] > 0.85 and not scores["errors"], r.stdout


def test_a_folder_of_a_cameras_hif_photos_is_taken(tmp_path):
    """Canon and Sony cameras write their HEIF photos as .HIF: a folder of them was 'directory
    holds no images' for `livecut image` and `batch` (each alone was read, by its content), and
    -o cut.hif became a folder cut.hif/ ('did you mean cut.tif?').  Folders take them as .heic;
    -o cut.hif is refused as -o cut.heic is (livecut does not write HEIF)."""
    _heif()
    card = tmp_path / "DCIM"
    card.mkdir()
    img, gt = make_scene("basic", W, H, seed=6)
    _save(card / "IMG_0001.HIF", "RGB", img[:, :, ::-1])
    r = invoke("image", card, "-o", tmp_path / "cut", "--mode", "mask", "-q")
    assert r.exit_code == 0, r.output
    assert iou(cv2.imread(str(tmp_path / "cut" / "IMG_0001.png"), cv2.IMREAD_UNCHANGED), gt) > 0.85
    r = run_cli("batch", str(card), "-o", str(tmp_path / "batch"), "--jobs", "1", "--mode", "mask", timeout=120)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "batch" / "IMG_0001.png").is_file()
    r = invoke("image", card / "IMG_0001.HIF", "-o", tmp_path / "cut.hif", "-q")
    assert r.exit_code == 2 and "livecut does not write .hif pictures" in r.stderr, r.output
    assert not (tmp_path / "cut.hif").exists()


def _bare_heic(path: Path) -> Path:
    """A file that opens as an iPhone's HEIC (its ftyp) and holds nothing decodable."""
    ftyp = b"heic\0\0\0\0mif1heic"
    path.write_bytes((8 + len(ftyp)).to_bytes(4, "big") + b"ftyp" + ftyp + struct.pack(">I", 40) + b"meta"
                     + bytes(32))
    return path


def test_without_the_extra_a_heic_is_refused_naming_it(tmp_path, monkeypatch):
    """Without pillow-heif (its import failing, as where the extra is not installed) a HEIC is
    refused in one line naming the heic extra (pip install -e '.[heic]' in the checkout, or
    pip install pillow-heif) as well as conversion (exit 2);
    in a batch each HEIC fails on its own, the other photos are cut."""
    monkeypatch.setitem(sys.modules, "pillow_heif", None)  # (import pillow_heif: ImportError)
    src = _bare_heic(tmp_path / "IMG_0001.HEIC")
    r = invoke("image", src, "-o", tmp_path / "cut")
    assert r.exit_code == 2 and r.stderr.count("\n") == 1, r.output
    assert "a HEIC/HEIF picture, which livecut reads with its heic extra: pip install -e '.[heic]' in the " \
           "livecut checkout, or pip install pillow-heif (or convert it to JPEG or PNG first)" in r.stderr, r.stderr
    shim = tmp_path / "noextra"  # (the batch's worker is another process: a pillow_heif that fails)
    (shim / "pillow_heif").mkdir(parents=True)
    (shim / "pillow_heif" / "__init__.py").write_text("raise ImportError('not installed')\n")
    img, _ = make_scene("basic", W, H, seed=7)
    cv2.imwrite(str(tmp_path / "a.jpg"), img)
    r = run_cli("batch", str(src), str(tmp_path / "a.jpg"), "-o", str(tmp_path / "batch"), "--jobs", "1",
                env={"PYTHONPATH": os.pathsep.join([str(REPO), str(shim), os.environ.get("PYTHONPATH", "")])},
                timeout=120)
    assert r.returncode == 2, r.stderr
    assert "IMG_0001.HEIC: a HEIC/HEIF picture, which livecut reads with its heic extra: " \
           "pip install -e '.[heic]'" in r.stderr, r.stderr
    assert (tmp_path / "batch" / "a.png").is_file() and not (tmp_path / "batch" / "IMG_0001.png").exists()


def test_a_heic_that_cannot_be_decoded_or_is_too_large_is_said_so(tmp_path, monkeypatch):
    """With the extra, a HEIC cut short or corrupt is one clear line (exit 2), not a traceback;
    one over livecut's size limit is refused from its header, as other photos are."""
    _heif()
    r = invoke("image", _bare_heic(tmp_path / "bad.heic"), "-o", tmp_path / "cut")
    assert r.exit_code == 2 and r.stderr.count("\n") == 1, r.output
    assert "bad.heic: a HEIC/HEIF picture that cannot be decoded, or truncated/corrupt (" in r.stderr, r.stderr
    img, _ = make_scene("basic", W, H, seed=8)
    src = _save(tmp_path / "big.heic", "RGB", img[:, :, ::-1])
    data = src.read_bytes()
    (tmp_path / "cut.heic").write_bytes(data[:len(data) // 2])
    r = invoke("image", tmp_path / "cut.heic", "-o", tmp_path / "cut")
    assert r.exit_code == 2 and "image file is truncated" in r.stderr and "Traceback" not in r.output, r.output
    import livecut.imageio

    monkeypatch.setattr(livecut.imageio, "MAX_PIXELS", W * H - 1)
    with pytest.raises(livecut.imageio.ImageSizeError, match=rf"image is {W}x{H} \(.* megapixels\); livecut handles at most"):
        read_image(src)


def test_a_heic_with_premultiplied_alpha_is_read_straight(tmp_path):
    """A HEIF whose alpha is marked premultiplied ('prem', as libheif and some editors write
    it): its colours were read as stored and taken for straight ones, so a half-transparent
    (200, 100, 50) was cut as (100, 50, 25); they are divided by the alpha, as a TIFF's
    associated alpha is.  A straight one is read as before."""
    heif = _heif()
    straight = np.zeros((H, W, 4), np.uint8)
    straight[...] = (200, 100, 50, 128)  # RGBA
    straight[:, : W // 4, 3] = 255
    stored = straight.copy()
    stored[..., :3] = (straight[..., :3].astype(int) * straight[..., 3:] + 127) // 255
    for name, arr, prem in (("prem.heic", stored, True), ("straight.heic", straight, False)):
        f = heif.from_bytes("RGBA", (W, H), arr.tobytes())
        f.premultiplied_alpha = prem
        f.save(tmp_path / name, quality=-1, chroma=444)
        assert heif.open_heif(tmp_path / name).premultiplied_alpha is prem
        got = read_image(tmp_path / name).astype(int)
        assert got.shape == (H, W, 4)
        assert np.abs(got[:, W // 2:] - (50, 100, 200, 128)).max() <= 2, (name, got[5, -5])
        assert np.abs(got[:, :W // 8] - (50, 100, 200, 255)).max() <= 2, (name, got[5, 5])


def test_a_tiled_heic_cut_short_is_said_to_be_truncated(tmp_path):
    """An iPhone stores its photo as a grid of tiles; one cut short (a copy or a download
    broken off) was decoded by libheif with its missing tiles filled with one colour, no error,
    and cut (exit 0): a file whose boxes run past its end is "truncated" (exit 2, one line).
    The whole file is cut as before."""
    _heif()
    img, gt = make_scene("basic", W, H, seed=9)
    src = _save(tmp_path / "IMG_0004.HEIC", "RGB", img[:, :, ::-1], tile_size=64)
    data = src.read_bytes()
    assert b"grid" in data
    r = invoke("image", src, "-o", tmp_path / "cut", "--mode", "mask", "-q")
    assert r.exit_code == 0, r.output
    assert iou(cv2.imread(str(tmp_path / "cut" / "IMG_0004.png"), cv2.IMREAD_UNCHANGED), gt) > 0.85
    short = tmp_path / "IMG_0005.HEIC"
    short.write_bytes(data[:len(data) * 2 // 3])
    r = invoke("image", short, "-o", tmp_path / "cut", "--mode", "mask")
    assert r.exit_code == 2 and r.stderr == f"livecut: error: {short}: image file is truncated\n", r.output
    assert not (tmp_path / "cut" / "IMG_0005.png").exists()
    # (bytes after its boxes that are none, a trailer some phones append, are no cut end)
    trailer = tmp_path / "IMG_0008.HEIC"
    trailer.write_bytes(data + b"\xff\xffSEFH" + bytes(64))
    r = invoke("image", trailer, "-o", tmp_path / "cut", "--mode", "mask", "-q")
    assert r.exit_code == 0, r.output


def test_a_heif_of_hevc_without_a_heic_brand_is_read(tmp_path):
    """A HEIF whose ftyp names HEIF's general brands alone (mif1, miaf: no heic/heix, as some
    writers leave it) and holds HEVC pictures was "not an image, or truncated/corrupt" (OpenCV
    took it); its HEVC configuration (hvcC) marks it as HEIC: it is read and cut."""
    img, gt = make_scene("basic", W, H, seed=10)
    data = bytearray(_save(tmp_path / "a.heic", "RGB", img[:, :, ::-1]).read_bytes())
    size = int.from_bytes(data[:4], "big")
    for brand in (b"heic", b"heix"):
        data[:size] = data[:size].replace(brand, b"mif1")
    assert b"he" not in bytes(data[8:size]) and b"hvcC" in data
    src = tmp_path / "IMG_0006.heif"
    src.write_bytes(bytes(data))
    assert np.abs(read_image(src).astype(int) - img).mean() < 2
    r = invoke("image", src, "-o", tmp_path / "cut", "--mode", "mask", "-q")
    assert r.exit_code == 0, r.output
    assert iou(cv2.imread(str(tmp_path / "cut" / "IMG_0006.png"), cv2.IMREAD_UNCHANGED), gt) > 0.85


def test_a_heic_declaring_a_gigapixel_is_said_to_be_too_large(tmp_path):
    """A HEIC (cropped by a clean aperture, as a picture of odd size is) whose header declares a
    size beyond libheif's own limit (a gigapixel) is refused by libheif as it is opened; it was "cannot be decoded, or truncated/corrupt (Memory
    allocation error: Security limit exceeded ...)": it is too large, said as for other photos
    (exit 2, one line)."""
    img, _ = make_scene("basic", W - 3, H - 3, seed=11)  # (coded larger, cropped: a clean aperture, clap)
    data = bytearray(_save(tmp_path / "a.heic", "RGB", img[:, :, ::-1]).read_bytes())
    at = data.find(b"ispe")  # (type, version and flags, width, height)
    assert at > 0 and b"clap" in data
    data[at + 8:at + 16] = struct.pack(">II", 60000, 60000)
    src = tmp_path / "huge.heic"
    src.write_bytes(bytes(data))
    r = invoke("image", src, "-o", tmp_path / "cut")
    assert r.exit_code == 2 and r.stderr == (f"livecut: error: {src}: image is 60000x60000 (3600.0 megapixels); "
                                             "livecut handles at most 200 megapixels: scale it down first, to "
                                             "14142x14142 or smaller\n"), r.output


def test_livecut_file_refuses_a_heic_photo_naming_livecut_image(tmp_path):
    """`livecut file IMG_0007.HEIC`: FFmpeg opens a HEIF photo as a video of one stream per
    item, an iPhone photo's tiles, and the first tile was cut as a video of one frame (exit 0,
    a warning listing every tile as cover art); it is refused as a photo, naming `livecut
    image` (exit 2, one line)."""
    img, _ = make_scene("basic", W, H, seed=12)
    src = _save(tmp_path / "IMG_0007.HEIC", "RGB", img[:, :, ::-1], tile_size=64)
    r = invoke("file", src, "-o", tmp_path / "out.mp4")
    assert r.exit_code == 2 and r.stderr == (f"livecut: error: {src}: a HEIC/HEIF photo, not a video (FFmpeg reads "
                                             "an iPhone photo's tiles as separate pictures): cut it with: livecut "
                                             f"image {src}\n"), r.output
    assert not (tmp_path / "out.mp4").exists()


def test_a_high_dynamic_range_heif_is_said_to_be_written_as_its_values(tmp_path):
    """A 10-bit HEIF whose nclx says its values are PQ (BT.2020: a camera's HDR PQ HEIF) was cut
    and written as if SDR, without that description: its cutout shown flat and dull, exit 0,
    unsaid.  A warning says so."""
    heif = _heif()
    img, _ = make_scene("basic", W, H, seed=14)
    f = heif.from_bytes("RGB;16", (W, H), np.ascontiguousarray(img[:, :, ::-1].astype(np.uint16) * 257).tobytes())
    f.save(tmp_path / "pq.heif", quality=-1, chroma=444, color_primaries=9, transfer_characteristics=16,
           matrix_coefficients=0, full_range_flag=1)
    r = invoke("image", tmp_path / "pq.heif", "-o", tmp_path / "cut", "-q")
    assert r.exit_code == 0, r.output
    assert (f"livecut: warning: {tmp_path / 'pq.heif'}: a high-dynamic-range photo (PQ transfer): its cutout "
            "holds its PQ values as they are") in r.stderr, r.stderr


def test_a_display_p3_heic_described_by_nclx_keeps_its_colours(tmp_path):
    """A HEIF whose colours are described by nclx alone (Display P3: primaries 12, sRGB
    transfer 13; no ICC profile, as libheif's and Android's writers leave it): its cutout had no
    profile and was shown as sRGB, dull; it carries one made from the nclx, which a colour
    manager (littlecms) maps to sRGB as the P3 formulas do.  An sRGB one (1/13) carries none, as
    before."""
    heif = _heif()
    pytest.importorskip("PIL.ImageCms")

    img, _ = make_scene("basic", W, H, seed=13)
    for name, primaries in (("p3.heic", 12), ("srgb.heic", 1)):
        f = heif.from_bytes("RGB", (W, H), np.ascontiguousarray(img[:, :, ::-1]).tobytes())
        f.save(tmp_path / name, quality=-1, chroma=444, color_primaries=primaries, transfer_characteristics=13,
               matrix_coefficients=0, full_range_flag=1)
        assert "icc_profile" not in heif.open_heif(tmp_path / name).info
        r = invoke("image", tmp_path / name, "-o", tmp_path / "cut", "-q")
        assert r.exit_code == 0, r.output
    assert icc_profile(np.fromfile(tmp_path / "cut" / "srgb.png", np.uint8)) is None
    icc = icc_profile(np.fromfile(tmp_path / "cut" / "p3.png", np.uint8))
    assert icc is not None
    assert_display_p3(icc)


def assert_display_p3(icc: bytes) -> None:
    """``icc``, a profile livecut made of a Display P3 description (a HEIC's or AVIF's nclx, a PNG's
    cICP), maps colours to sRGB as Display P3's primaries with the sRGB transfer do (within 2 levels)."""
    from PIL import Image, ImageCms as cms

    to_srgb = cms.buildTransform(cms.ImageCmsProfile(io.BytesIO(icc)), cms.createProfile("sRGB"), "RGB", "RGB")
    colours = np.array([[[200, 100, 50], [128, 128, 128], [0, 255, 0], [40, 90, 220]]], np.uint8)
    got = np.asarray(cms.applyTransform(Image.fromarray(colours), to_srgb)).astype(int)
    p3 = np.array([[0.4865709, 0.2656677, 0.1982173], [0.2289746, 0.6917385, 0.0792869], [0.0, 0.0451134, 1.0439444]])
    srgb = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                     [0.0193339, 0.1191920, 0.9503041]])
    v = colours[0] / 255.0
    lin = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)
    out = np.clip(lin @ p3.T @ np.linalg.inv(srgb).T, 0, 1)
    want = 255 * np.where(out <= 0.0031308, out * 12.92, 1.055 * out ** (1 / 2.4) - 0.055)
    assert np.abs(got[0] - want).max() <= 2, (got, want.round())
