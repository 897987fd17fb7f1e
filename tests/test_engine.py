"""Engine v2 (``focusnet``, the default): scale invariance, whole-frame cases, low contrast,
flat interiors, the rack-focus and pan clips (no ghosts, no blocks), eval --scales/--sheet.

Every scene is synthetic (tests/synth.py, sample_videos/make_samples.py)."""

from __future__ import annotations

import json
import sys

import cv2
import numpy as np
import pytest

from conftest import SAMPLES
from synth import defocused_background, disk_kernel, iou, make_scene, texture
from livecut.config import load_config
from livecut.segment import Segmenter
from livecut.segment.cues import CueExtractor
from livecut.smooth import MaskSmoother

sys.path.insert(0, str(SAMPLES))
import make_samples  # noqa: E402


def _mask(img, *sets, still=True):
    return Segmenter(load_config(None, list(sets)), still=still).mask(img)


# ------------------------------------------------------------------ scale

@pytest.mark.parametrize("variant", ["basic", "several"])
def test_same_scene_at_1x_2x_3x_gives_the_same_mask(variant):
    """One scene rendered at 960x720 (defocus radius 15 px) and integrated down to 2x and
    1x (area averaging, as a smaller sensor would): the masks, brought back to 1x, agree
    with each other and with the truth."""
    w, h = 320, 240
    big, big_gt = make_scene(variant, w * 3, h * 3, seed=3, blur_radius=15.0)
    gt = cv2.resize(big_gt, (w, h), interpolation=cv2.INTER_AREA)
    masks = []
    for s in (1, 2, 3):
        img = big if s == 3 else cv2.resize(big, (w * s, h * s), interpolation=cv2.INTER_AREA)
        masks.append(cv2.resize(_mask(img), (w, h), interpolation=cv2.INTER_AREA))
    for a in masks:
        assert iou(a, gt) > 0.8
    assert iou(masks[0], masks[1]) > 0.85
    assert iou(masks[0], masks[2]) > 0.85


def test_an_enlarged_picture_is_judged_at_the_coarse_level():
    """A picture enlarged 4x (a small photo shown big, a soft camera) has no sharp detail at
    pixel scale: its cues are measured again at half the cue resolution, and its mask is
    the picture's own (aligned with the truth); the same scene rendered natively at that
    size is judged at the cue resolution."""
    w, h = 240, 180
    img, gt = make_scene("basic", w, h, seed=0)
    big = cv2.resize(img, (w * 4, h * 4), interpolation=cv2.INTER_CUBIC)
    big_gt = cv2.resize(gt, (w * 4, h * 4), interpolation=cv2.INTER_NEAREST)
    seg = Segmenter(still=True)
    a = seg.mask(big)
    assert seg.method.judged_coarse == 1 and seg.state == "subject"
    assert iou(a, big_gt) > 0.95
    small = cv2.resize(a, (w, h), interpolation=cv2.INTER_AREA)
    assert iou(small, _mask(img)) > 0.95
    native, native_gt = make_scene("basic", w * 4, h * 4, seed=0)
    seg = Segmenter(still=True)
    assert iou(seg.mask(native), native_gt) > 0.95
    assert seg.method.judged_coarse == 0


def test_a_frame_blurred_all_over_stays_all_blurred_after_the_coarse_look():
    """An enlarged picture that is defocused all over (the all-blurred frame of
    _all_blurred, at 240x180, enlarged 4x) is measured at the coarse level, and is still
    nothing in focus there (the whole-frame decision is the cue resolution's)."""
    seg = Segmenter(still=True)
    blurred = cv2.resize(_all_blurred(180, 240), (960, 720), interpolation=cv2.INTER_CUBIC)
    a = seg.mask(blurred)
    assert seg.method.judged_coarse == 1
    assert seg.state == "all-blurred" and not a.any()


def test_cues_are_measured_near_native_resolution():
    ex = CueExtractor()
    frame = np.zeros((1080, 1920, 3), np.uint8)
    ex.extract(frame, np.zeros((180, 320, 3), np.uint8))
    assert ex.k == 2 and max(ex.cue_hw) <= 1000 and max(ex.cue_hw) >= 900  # HD: 960 px, not 320
    ex = CueExtractor()
    ex.extract(np.zeros((427, 640, 3), np.uint8), np.zeros((213, 320, 3), np.uint8))
    assert ex.k == 1 and ex.cue_hw[1] >= 636  # a native photo: its own pixels
    ex = CueExtractor()
    blob = ex.extract(frame, np.zeros((180, 320, 3), np.uint8))
    assert ex.grid == (135, 240) and blob.shape == (1, 8, 144, 240)  # cells of 4x4 cue pixels, padded to /16


# ------------------------------------------------------------------ whole-frame cases

def _all_sharp(h=300, w=400, seed=0):
    rng = np.random.default_rng(seed)
    return texture(rng, h, w, cell=3, base=(120, 120, 120), amplitude=45.0, shapes=30)


def _all_blurred(h=300, w=400, seed=0):
    return defocused_background(np.random.default_rng(seed), h, w, 7.0)


def test_all_sharp_frame_is_kept_whole():
    seg = Segmenter(still=True)
    a = seg.mask(_all_sharp())
    assert seg.state == "all-sharp"
    assert np.all(a == 255)


@pytest.mark.parametrize("hw", [(480, 640), (720, 1280)])
def test_all_sharp_frame_is_kept_whole_after_the_second_look_too(hw):
    """Where the coarse level fits, an all-sharp judgement is looked at again there: a
    frame sharp all over stays all sharp."""
    seg = Segmenter(still=True)
    a = seg.mask(_all_sharp(*hw))
    assert seg.state == "all-sharp" and seg.method.last_coarse
    assert np.all(a == 255)


def test_sensor_noise_everywhere_is_not_taken_for_a_frame_sharp_all_over(monkeypatch):
    """Strong noise looks sharp at pixel scale over the whole frame; at half the
    resolution it is halved and the subject shows."""
    import livecut.segment.net as net

    import dataclasses

    from livecut.config import Config, SegmentConfig

    img, gt = make_scene("basic", 640, 480, seed=2)
    noisy = np.clip(img + np.random.default_rng(0).normal(0, 12, img.shape), 0, 255).astype(np.uint8)
    # the standard network (the noisy one, segment.noisy, would take this frame)
    cfg = dataclasses.replace(Config(), segment=dataclasses.replace(SegmentConfig(), noisy=False))
    seg = Segmenter(cfg, still=True)
    a = seg.mask(noisy)
    assert seg.state == "subject" and iou(a, gt) > 0.5
    monkeypatch.setattr(net, "AGAIN_COARSE", False)  # judged at the cue resolution only
    seg = Segmenter(cfg, still=True)
    seg.mask(noisy)
    assert seg.state == "all-sharp"


def test_probability_can_be_called_directly_on_a_fresh_method():
    """FocusNetMethod.probability (public: the in-focus probability at the working size)
    raised AttributeError '_t_cues' unless __call__ had run first: the second look's
    timing bookkeeping added to a field only __call__ set."""
    img, _ = make_scene("basic", 400, 300, seed=3)
    method = Segmenter(still=True).method
    small = cv2.resize(img, (320, 240), interpolation=cv2.INTER_AREA)
    p = method.probability(small, img).copy()
    assert p.shape == (240, 320) and p.dtype == np.float32 and np.isfinite(p).all()
    assert np.array_equal(method.probability(small, img), p)  # (the same again)


def test_all_blurred_frame_keeps_nothing():
    seg = Segmenter(still=True)
    a = seg.mask(_all_blurred())
    assert seg.state == "all-blurred"
    assert np.all(a == 0)


@pytest.mark.parametrize("still", [True, False])
@pytest.mark.parametrize("side", [16, 20, 24, 32, 40, 48, 400])
def test_a_picture_of_one_colour_is_all_blurred_at_any_size(side, still):
    """A picture with no detail at all has nothing in focus, as a large one of one colour is
    judged: under 64 px (the network sees it at its own size) a flat one was kept whole, "no
    defocused background found" (20-24 px), or in part, a blob of 6-90 % (16, 24-48 px)."""
    seg = Segmenter(still=still)
    for value in (0, 128, 255):
        a = seg.mask(np.full((side, side, 3), value, np.uint8))
        assert seg.state == "all-blurred", (value, seg.state, np.count_nonzero(a > 127) / a.size)
        assert not a.any()


def test_a_normal_scene_is_neither():
    seg = Segmenter(still=True)
    seg.mask(make_scene("basic", 400, 300, seed=1)[0])
    assert seg.state == "subject"


def test_video_holds_the_last_mask_through_an_all_blurred_frame():
    cfg = load_config()
    seg = Segmenter(cfg, temporal=MaskSmoother(cfg))
    img, gt = make_scene("basic", 400, 300, seed=2)
    for _ in range(3):
        before = seg.mask(img).copy()
    assert iou(before, gt) > 0.8
    held = seg.mask(_all_blurred())
    assert seg.state == "all-blurred"
    assert iou(held, before) > 0.95  # the subject is still there, not an empty frame
    assert seg.temporal.held == 1


def test_a_noisy_camera_holds_the_last_mask_through_a_frame_blurred_all_over(monkeypatch):
    """A focus hunt on a camera in low light: noise keeps the re-blur ratio high, so it
    cannot confirm that nothing is in focus; the noisy network's empty judgement stands
    alone, and video holds the last mask instead of blanking it."""
    import livecut.segment.net as net

    rng = np.random.default_rng(0)

    def noisy(img):
        return np.clip(img + rng.normal(0, 10, img.shape), 0, 255).astype(np.uint8)

    img, gt = make_scene("basic", 640, 480, seed=2)
    blurred = noisy(cv2.filter2D(img, -1, disk_kernel(8)))
    cfg = load_config()
    monkeypatch.setattr(net, "VIDEO_ALONE", False)  # (the noisy network's judgement alone)
    for alone, state in ((True, "all-blurred"), (False, "subject")):
        monkeypatch.setattr(net, "NOISY_ALONE", alone)
        seg = Segmenter(cfg, temporal=MaskSmoother(cfg))
        for _ in range(3):
            before = seg.mask(noisy(img)).copy()
        assert iou(before, gt) > 0.8
        held = seg.mask(blurred)
        assert seg.method._net is seg.method.noisy_net and seg.state == state
        if alone:
            assert iou(held, before) > 0.95 and seg.temporal.held == 1


def test_a_camera_with_daylight_noise_holds_the_last_mask_through_a_focus_hunt(monkeypatch):
    """Sensor noise under the noisy network's level (sigma 1) kept the re-blur ratio over its
    all-blurred level on a frame blurred all over: the network kept nothing, the frame was a
    "subject" of an empty mask, and the picture blanked at once instead of holding the last
    mask. A video frame's empty judgement stands alone; a photo's still needs the cues."""
    import livecut.segment.net as net

    img, gt = make_scene("basic", 640, 480, seed=2)
    blurred = cv2.filter2D(img, -1, disk_kernel(8))
    cfg = load_config()
    for alone, state in ((True, "all-blurred"), (False, "subject")):
        monkeypatch.setattr(net, "VIDEO_ALONE", alone)
        rng = np.random.default_rng(0)

        def noisy(im):
            return np.clip(im + rng.normal(0, 1.0, im.shape), 0, 255).astype(np.uint8)

        seg = Segmenter(cfg, temporal=MaskSmoother(cfg))
        for _ in range(3):
            before = seg.mask(noisy(img)).copy()
        assert iou(before, gt) > 0.8
        held = seg.mask(noisy(blurred))
        assert seg.method._net is seg.method.net and seg.state == state
        if alone:
            assert iou(held, before) > 0.95 and seg.temporal.held == 1
    photo = Segmenter(cfg, still=True)
    photo.mask(np.clip(blurred + np.random.default_rng(0).normal(0, 1.0, blurred.shape), 0, 255).astype(np.uint8))
    assert photo.state == "subject"  # (the ratio says sharp detail is there: a photo's note says so)



@pytest.mark.parametrize("seed", [4, 11, 18, 23])
def test_a_video_frame_of_a_defocused_background_alone_keeps_nothing(seed):
    """make_samples' defocused backgrounds alone (a disk blur of 9 px: no sharp detail anywhere,
    the re-blur ratio's 99th percentile 0.23-0.31): the network kept a region of 1-24 % of the
    frame as a subject (a blurred shape's edge), shown over the empty background a subject had
    left.  A video frame softer than any photo the network was fitted on whose kept region is no
    sharper than the rest is all blurred: nothing kept."""
    bg = make_samples.background(seed)
    seg = Segmenter(load_config())
    a = seg.mask(bg)
    assert seg.method._sharpest < 0.34
    assert seg.state == "all-blurred" and not a.any(), np.count_nonzero(a > 127) / a.size


@pytest.mark.parametrize("soft", [4, 5])
def test_a_soft_video_frame_keeps_a_subject_sharper_than_its_background(soft):
    """... while a subject over that background, the whole frame softened 4-5x (a soft camera: the
    same low level of sharpest detail), is still kept: its region is sharper than the rest."""
    from livecut.evaluate import soften

    m = np.zeros((360, 640), np.uint8)
    cv2.ellipse(m, (320, 180), (90, 120), 0, 0, 360, 255, -1)
    img = soften(np.where(m[:, :, None] > 0, make_samples.subject_texture(2), make_samples.background(11)), soft)
    seg = Segmenter(load_config())
    a = seg.mask(img)
    assert seg.method._sharpest < 0.34
    assert seg.state == "subject" and iou(a, m) > 0.95


def test_a_subject_that_walked_out_over_a_defocused_background_leaves_no_false_patch_behind():
    """A sharp subject walking out of a still shot at 8 px a frame over make_samples'
    background(11): its mask emptied as it left, then, 0.6 s later, a false patch of 2600 px (the
    network's judgement of the background alone, averaged in over the still frames) came and
    stayed.  The background alone is all blurred: the mask stays empty."""
    cfg = load_config()
    seg = Segmenter(cfg, temporal=MaskSmoother(cfg))
    bg, tex = make_samples.background(11), make_samples.subject_texture(2)
    outs, gone = [], None
    for i in range(95):
        m = np.zeros((360, 640), np.uint8)
        cv2.ellipse(m, (200 - 8 * i, 180), (70, 110), 0, 0, 360, 255, -1)
        if gone is None and not m.any():
            gone = i
        outs.append(np.count_nonzero(seg.mask(np.where(m[:, :, None] > 0, np.roll(tex, -8 * i, axis=1), bg)) > 127))
    assert gone is not None and max(outs[gone + 10:]) == 0, outs[gone:]

def test_image_command_says_no_defocused_background(tmp_path):
    from conftest import run_cli

    p = tmp_path / "sharp.png"
    cv2.imwrite(str(p), _all_sharp())
    r = run_cli("image", str(p), "-o", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert "no defocused background found" in r.stderr
    out = cv2.imread(str(tmp_path / "out" / "sharp.png"), cv2.IMREAD_UNCHANGED)
    assert out.shape[2] == 4 and np.all(out[:, :, 3] == 255)


# ------------------------------------------------------------------ hard cues

def test_low_contrast_sharp_subject_over_high_contrast_blur():
    """A subject whose texture spans ~15 gray levels over a blurred background of ~90."""
    for seed in (0, 1):
        img, gt = make_scene("low_contrast", 400, 300, seed=seed)
        assert iou(_mask(img), gt) > 0.8


def _flat_interior_scene(w=480, h=320, seed=0):
    """A subject with a sharp textured rim and a flat pale interior on the left; a
    blurred region of the same pale colour on the right."""
    rng = np.random.default_rng(seed)
    img = defocused_background(rng, h, w, 6.0)
    pale = (205, 215, 225)
    # the same-coloured region, out of focus
    far = np.zeros((h, w), np.uint8)
    cv2.rectangle(far, (int(w * 0.62), int(h * 0.15)), (int(w * 0.95), int(h * 0.85)), 255, -1)
    layer = img.copy()
    layer[far > 0] = pale
    soft = cv2.filter2D(far.astype(np.float32) / 255, -1, disk_kernel(6.0))[:, :, None]
    img = (cv2.filter2D(layer, -1, disk_kernel(6.0)) * soft + img * (1 - soft)).astype(np.uint8)
    # the sharp subject: a pale disk with a textured rim
    gt = np.zeros((h, w), np.uint8)
    c, r = (int(w * 0.3), h // 2), int(h * 0.36)
    cv2.circle(gt, c, r, 255, -1)
    rim = texture(rng, h, w, cell=2, base=(90, 110, 140), amplitude=50.0)
    inner = np.zeros((h, w), np.uint8)
    cv2.circle(inner, c, int(r * 0.72), 255, -1)
    img[gt > 0] = rim[gt > 0]
    img[inner > 0] = pale
    return img, gt, far


def test_flat_interior_is_filled_but_not_the_same_coloured_blur():
    img, gt, far = _flat_interior_scene()
    a = _mask(img)
    assert iou(a, gt) > 0.8
    leak = np.count_nonzero((a >= 128) & (far > 0)) / np.count_nonzero(far)
    assert leak < 0.1


# ------------------------------------------------------------------ video

def _run_clip(name):
    frames, truth = make_samples.render(name)
    cfg = load_config()
    seg = Segmenter(cfg, temporal=MaskSmoother(cfg))
    return frames, truth, [seg.mask(f).copy() for f in frames]


def test_rack_focus_mask_follows_within_half_a_second():
    frames, truth, masks = _run_clip("rack_focus")
    fps = make_samples.FPS
    end = make_samples.RACK_END
    old = truth[0] > 0   # the subject that goes out of focus
    new = truth[-1] > 0
    # before the rack: the first subject
    assert np.mean([iou(m, t) for m, t in zip(masks[10:make_samples.RACK_START], truth[10:])]) > 0.8
    # within 0.5 s of the end of the rack: the second one, and no ghost of the first
    settled = end + fps // 2
    # the old subject away from the new one's soft edge: not even a faint outline
    away = old & ~(cv2.dilate(new.astype(np.uint8), np.ones((25, 25), np.uint8)) > 0)
    for m in masks[settled:]:
        assert m[away].max() < 8, "an outline of the old subject remains"
        assert iou(m, truth[-1]) > 0.8
        assert np.mean(m[old] >= 128) < 0.05, "a ghost of the old subject remains"
        assert np.mean(m[new] >= 128) > 0.85
        # nor a faint one: a ghost at 1/8 opacity shows over a blurred background
        assert np.mean(m[old & ~new]) / 255.0 < 0.05, "a soft ghost of the old subject remains"
        assert np.mean(m[new]) / 255.0 > 0.93, "the new subject is still fading in"


def _long_straight_runs(alpha: np.ndarray, truth: np.ndarray, min_run: int) -> int:
    """Blocks: straight horizontal *and* vertical steps of the alpha (> 24 levels along
    >= min_run pixels in a line), away (> 12 px) from the true boundary (a real straight
    edge is not an artifact).  Returns the number of such lines if both kinds are present."""
    a = alpha.astype(np.int16)
    edge = cv2.morphologyEx(truth, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    near = cv2.dilate(edge, np.ones((25, 25), np.uint8)) > 0
    steps_y = (np.abs(np.diff(a, axis=0)) > 24) & ~near[1:]
    steps_x = (np.abs(np.diff(a, axis=1)) > 24) & ~near[:, 1:]
    counts = []
    for d in (steps_y, steps_x.T):
        n = 0
        for row in d:
            if not row.any():
                continue
            x = np.concatenate([[0], row.view(np.int8), [0]])
            starts, ends = np.flatnonzero(np.diff(x) == 1), np.flatnonzero(np.diff(x) == -1)
            if (ends - starts).max() >= min_run:
                n += 1
        counts.append(n)
    return sum(counts) if min(counts) > 0 else 0


def test_the_block_detector_sees_blocks():
    truth = np.zeros((360, 640), np.uint8)
    cv2.ellipse(truth, (320, 180), (90, 120), 0, 0, 360, 255, -1)
    alpha = truth.copy()
    assert _long_straight_runs(alpha, truth, 80) == 0
    alpha[20:100, 400:560] = 128  # a block of partial alpha
    assert _long_straight_runs(alpha, truth, 80) > 0


@pytest.mark.parametrize("name", ["pan", "moving"])
def test_no_block_artifacts(name):
    """No block (straight horizontal and vertical steps longer than 1/8 of the frame) in
    the mask where the subjects have none, in any frame (the pan: the whole frame moves)."""
    frames, truth, masks = _run_clip(name)
    h, w = masks[0].shape
    bad = [i for i, (m, t) in enumerate(zip(masks, truth)) if _long_straight_runs(m, t, w // 8) > 0]
    assert not bad, f"straight steps (blocks) in frames {bad[:10]}"


def test_pan_recovers_the_subject():
    frames, truth, masks = _run_clip("pan")
    end = make_samples.PAN_END
    after = masks[end + make_samples.FPS // 2:]
    assert np.mean([iou(m, t) for m, t in zip(after, truth[end + make_samples.FPS // 2:])]) > 0.8
    before = masks[10:make_samples.PAN_START]
    assert np.mean([iou(m, t) for m, t in zip(before, truth[10:])]) > 0.8


# ------------------------------------------------------------------ eval

@pytest.fixture
def dataset(tmp_path):
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    for i, variant in enumerate(("basic", "several")):
        img, gt = make_scene(variant, 320, 240, seed=i)
        cv2.imwrite(str(images / f"{variant}.png"), img)
        cv2.imwrite(str(masks / f"{variant}.png"), gt)
    return images, masks


def test_eval_scales_json_and_text(dataset, tmp_path):
    from conftest import run_cli

    r = run_cli("eval", *map(str, dataset), "--scales", "0.5,1,2", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert [s["scale"] for s in data["scales"]] == [0.5, 1.0, 2.0]
    for s in data["scales"]:
        assert len(s["images"]) == 2
        assert s["mean"]["iou"] == pytest.approx(np.mean([row["iou"] for row in s["images"]]))
    assert data["mean"] == data["scales"][0]["mean"]
    assert data["scales"][1]["mean"]["iou"] > 0.8
    r = run_cli("eval", *map(str, dataset), "--scales", "1,2")
    lines = r.stdout.splitlines()
    assert lines[-2].startswith("x1 ") and lines[-1].startswith("x2 ")


def test_eval_sheet_and_subset(dataset, tmp_path):
    from conftest import run_cli

    subset = tmp_path / "split.json"
    subset.write_text(json.dumps({"val": ["several.png"]}))
    sheet = tmp_path / "sheet.png"
    r = run_cli("eval", *map(str, dataset), "--subset", f"{subset}:val", "--sheet", str(sheet), "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["count"] == 1 and data["images"][0]["name"] == "several.png"
    img = cv2.imread(str(sheet))
    assert img is not None and img.shape[0] >= 180
    assert img.shape[1] > 4 * 240  # four panels side by side


def test_eval_soften_scores_the_softened_photos(dataset, tmp_path):
    """`livecut eval --soften F` scores each photo reduced F times and enlarged back (the
    same as scoring such copies of the photos), says so, and refuses F < 1."""
    from conftest import run_cli
    from livecut.evaluate import soften

    r = run_cli("eval", *map(str, dataset), "--soften", "2.5", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["as"] == "photos, softened 2.5x"
    copies = tmp_path / "soft"
    copies.mkdir()
    for f in dataset[0].iterdir():
        img = cv2.imread(str(f))
        soft = soften(img, 2.5)
        assert soft.shape == img.shape and np.abs(soft.astype(int) - img).mean() > 1.5
        cv2.imwrite(str(copies / f.name), soft)
    direct = json.loads(run_cli("eval", str(copies), str(dataset[1]), "--json").stdout)
    assert [row["iou"] for row in data["images"]] == [row["iou"] for row in direct["images"]]
    r = run_cli("eval", *map(str, dataset), "--soften", "0.5")
    assert r.returncode == 2 and "--soften" in r.stderr


@pytest.mark.parametrize("option, value, said", [
    ("--soften", "nan", "--soften nan: expected a factor of 1 to 8 (1: the photo as it is)"),
    ("--soften", "0.5", "--soften 0.5: expected a factor of 1 to 8 (1: the photo as it is)"),
    ("--noise", "nan", "--noise nan: expected a sigma of 0 to 64 gray levels"),
    ("--noise", "-1", "--noise -1: expected a sigma of 0 to 64 gray levels"),
])
def test_eval_refuses_a_degradation_out_of_range_saying_why(dataset, option, value, said):
    """`livecut eval --soften nan` said "Invalid value for '--soften': Input should be less than or
    equal to 8" (--noise nan: "... less than or equal to 64"), though NaN is not above it; the
    refusal says the range it takes, as the library's does."""
    from conftest import run_cli

    r = run_cli("eval", *map(str, dataset), option, value)
    assert r.returncode == 2 and r.stderr.strip() == f"livecut: error: {said}", r.stderr


def test_eval_degrades_the_photos_as_asked(dataset, tmp_path):
    """`--noise`, `--jpeg` and `--bars` score degraded copies of the photos: the same scores
    as such copies made by hand (the bars' truth is background), and they say so."""
    from conftest import run_cli
    from livecut.evaluate import BARS_SHARE, add_bars, degrade

    r = run_cli("eval", *map(str, dataset), "--noise", "6", "--jpeg", "40", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["as"] == "photos, noise sigma 6, JPEG q40"
    names = sorted(f.name for f in dataset[0].iterdir())
    copies, truths = tmp_path / "copies", tmp_path / "truths"
    copies.mkdir()
    truths.mkdir()
    for i, name in enumerate(names):  # (the noise is drawn from the photo's index)
        img = cv2.imread(str(dataset[0] / name))
        worse = degrade(img, 6, 40, seed=i)
        assert np.abs(worse.astype(int) - img).mean() > 3
        cv2.imwrite(str(copies / name), worse)
    direct = json.loads(run_cli("eval", str(copies), str(dataset[1]), "--json").stdout)
    assert [row["iou"] for row in data["images"]] == [row["iou"] for row in direct["images"]]

    r = run_cli("eval", *map(str, dataset), "--bars", "pillarbox", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["as"] == "photos, pillarboxed"
    for name in names:
        img = cv2.imread(str(dataset[0] / name))
        depth = int(round(BARS_SHARE * img.shape[1]))
        cv2.imwrite(str(copies / name), add_bars(img, "pillarbox", depth))
        cv2.imwrite(str(truths / name), add_bars(cv2.imread(str(dataset[1] / name), 0), "pillarbox", depth))
    direct = json.loads(run_cli("eval", str(copies), str(truths), "--json").stdout)
    assert [row["iou"] for row in data["images"]] == [row["iou"] for row in direct["images"]]
    plain = json.loads(run_cli("eval", *map(str, dataset), "--json").stdout)
    assert data["mean"]["iou"] == pytest.approx(plain["mean"]["iou"], abs=0.01)  # the bars are found
    r = run_cli("eval", *map(str, dataset), "--bars", "diagonal")
    assert r.returncode == 2 and "--bars" in r.stderr


def test_eval_skips_hidden_files_says_what_has_no_mask_and_checks_the_sheet_first(dataset, tmp_path):
    """A folder copied from a Mac (``._*`` files), an image without a truth, a repeated
    scale, and a --sheet that cannot be written (refused before the work, one line)."""
    from conftest import run_cli

    images, masks = dataset
    for d, name in ((images, "._basic.png"), (masks, "._basic.png")):
        (d / name).write_bytes(b"\x00\x05\x16\x07AppleDouble")
    cv2.imwrite(str(images / "extra.png"), cv2.imread(str(images / "basic.png")))
    r = run_cli("eval", str(images), str(masks), "--scales", "1,x1", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["count"] == 2 and [s["scale"] for s in data["scales"]] == [1.0]
    assert len(data["scales"][0]["images"]) == 2 and data["without_mask"] == ["extra.png"]
    assert "1 image(s) without a mask" in r.stderr and "extra.png" in r.stderr
    for sheet, says in ((tmp_path / "nodir" / "s.png", "no folder"), (tmp_path / "s.txt", "not a colour picture"),
                        (tmp_path / "s.pbm", "not a colour picture")):  # (.pbm: 1-bit only)
        r = run_cli("eval", str(images), str(masks), "--sheet", str(sheet))
        assert r.returncode == 2 and says in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert r.stdout == ""  # refused before any photo was segmented
    r = run_cli("eval", str(images), str(masks), "--sheet", str(tmp_path / "sheet.webp"))
    assert r.returncode == 0 and (tmp_path / "sheet.webp").stat().st_size > 0  # (any format OpenCV writes)


@pytest.mark.parametrize("bad", ["0", "x", "1,,2", "nan"])
def test_eval_bad_scales_are_usage_errors(dataset, bad):
    from conftest import run_cli

    r = run_cli("eval", *map(str, dataset), "--scales", bad)
    assert r.returncode == 2 and "--scales" in r.stderr


@pytest.mark.parametrize("name", ["focusnet.onnx", "focusnet_small.onnx", "focusnet_soft.onnx",
                                  "focusnet_noisy.onnx", "focusnet_ens1.onnx", "focusnet_ens2.onnx"])
def test_shipped_model_has_provenance(name):
    from livecut.segment.net import model_info, model_path

    assert model_path(name).stat().st_size <= 2 * 1024 * 1024
    info = model_info(name)
    assert info["model"] == name
    assert "CUHK" in info["training_data"] and info["split"]["val"] == 100


def test_the_shipped_networks_take_at_most_2_mb_together():
    from livecut.segment.net import SHIPPED, model_info, model_path

    assert sum(model_path(name).stat().st_size for name in SHIPPED) <= 2 * 1024 * 1024


def test_the_shipped_networks_are_int8_calibrated_on_fitting_photos():
    """tools/quantize_net.py made each shipped network of the standard shape: QDQ int8 in
    the file, said in its provenance, its activation ranges calibrated on photos of the
    fitting split (the validation photos stay unseen by any fitting, calibration included).
    The small network stays float16: as int8 it runs slower (its layers are narrow)."""
    from livecut.segment.net import SHIPPED, model_info, model_path, onnx_graph

    assert "float16" in model_info("focusnet_small.onnx")["weights"]
    for name in SHIPPED:
        if name == "focusnet_small.onnx":
            continue
        ops = {op for op, _ in onnx_graph(model_path(name))[1]}
        assert {"QuantizeLinear", "DequantizeLinear", "Conv"} <= ops and "Cast" not in ops, name
        info = model_info(name)
        assert info["weights"].startswith("int8") and "quantize_net.py" in info["weights"], name
        assert "fit list" in info["calibration"]["photos"] and info["split"]["val"] == 100, name
        assert info["calibration"]["sign_agreement"] > 0.99, name


@pytest.mark.parametrize("version,says", [("4.12.0", "needs OpenCV 5 or later"), ("5.0.0", "reinstall livecut")])
def test_a_network_opencv_cannot_read_is_one_clear_error(monkeypatch, version, says):
    import cv2

    from livecut.errors import LivecutError
    from livecut.segment import net as netmod

    def refuse(*args, **kwargs):
        raise cv2.error("OpenCV(4.12.0) onnx_importer.cpp:1058: error: (-2:Unspecified error) in "
                        "function 'handleNode'\n> Node [Add@ai.onnx] parse error")

    monkeypatch.setattr(cv2.dnn, "readNetFromONNX", refuse)
    monkeypatch.setattr(cv2, "__version__", version)
    with pytest.raises(LivecutError, match=says) as e:
        netmod.load_net()
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("names", [{"ENGINE_CLASSIC": 1, "ENGINE_NEW": 2, "ENGINE_AUTO": 3, "ENGINE_ORT": 4},
                                   {"ENGINE_AUTO": 0, "ENGINE_OPENCV": 1, "ENGINE_ORT": 2}, {}],
                         ids=["opencv-5.0", "opencv-5.1", "unnamed"])
def test_the_network_is_read_by_opencvs_own_engine_whatever_its_name(monkeypatch, names):
    """opencv-python 5.1 renamed its engines (5.0's ENGINE_CLASSIC is gone, ENGINE_OPENCV is
    its own layers): every photo and video failed, "module 'cv2.dnn' has no attribute
    'ENGINE_CLASSIC'", on a fresh install.  Now OpenCV's own engine is asked for by the name
    this OpenCV gives it, or none, and the network runs."""
    import cv2

    from livecut.segment import net as netmod

    real = cv2.dnn.readNetFromONNX
    for name in ("ENGINE_CLASSIC", "ENGINE_NEW", "ENGINE_OPENCV", "ENGINE_AUTO", "ENGINE_ORT"):
        monkeypatch.delattr(cv2.dnn, name, raising=False)
    for name, value in names.items():
        monkeypatch.setattr(cv2.dnn, name, value, raising=False)
    seen = []

    def read(path, **kwargs):
        seen.append(kwargs)
        return real(path)

    monkeypatch.setattr(cv2.dnn, "readNetFromONNX", read)
    net = netmod.load_net()
    assert seen == ([{"engine": 1}] if names else [{}])
    net.setInput(np.zeros((1, netmod.input_channels(netmod.model_path()), 48, 64), np.float32))
    assert np.isfinite(net.forward()).all()


def test_the_networks_input_channels_are_read_from_the_file_and_a_mismatch_refused(monkeypatch, tmp_path):
    """The check that the soft, noisy and ensemble networks take the main network's inputs read
    the first convolution's weights from OpenCV, which 5.1's engine does not keep (every photo
    failed, "numParam < (int)layerBlobs.size()").  The channels now come from the ONNX file;
    a network of other channels is still refused, and a damaged file is one clear error."""
    from livecut.config import SegmentConfig
    from livecut.errors import LivecutError
    from livecut.segment import net as netmod

    assert netmod.input_channels(netmod.model_path()) == netmod.N_CUES + 3 == 8
    bad = tmp_path / "cut.onnx"
    bad.write_bytes(netmod.model_path().read_bytes()[:200])
    with pytest.raises(LivecutError, match="cannot be read"):
        netmod.input_channels(bad)
    real = netmod.input_channels
    monkeypatch.setattr(netmod, "input_channels",
                        lambda path: 5 if path.name == netmod.SOFT_MODEL else real(path))
    with pytest.raises(LivecutError, match=f"{netmod.SOFT_MODEL} takes 5 input channels.*segment.soft = false"):
        netmod.FocusNetMethod(SegmentConfig(soft=True))
    assert netmod.FocusNetMethod(SegmentConfig(soft=False)).soft_net is None


def test_the_ensemble_averages_its_networks_logits():
    """segment.model = ensemble (the quality preset): the standard network and the two
    ensemble networks see the same input, and their logits are averaged -- the mean of the
    three networks' own answers, not the first one's, and the subject is found."""
    from livecut.segment.net import ENSEMBLE_MODELS, MODEL_NAME, Ensemble, load_net, model_path

    img, gt = make_scene("basic", 640, 480, seed=1, blur_radius=8.0)
    seg = Segmenter(load_config("quality"), still=True)
    assert seg.cfg.model == "ensemble" and isinstance(seg.method.net, Ensemble)
    assert iou(seg.mask(img), gt) > 0.9
    blob = np.random.default_rng(0).standard_normal((1, 8, 48, 64)).astype(np.float32)
    own = []
    for name in (MODEL_NAME, *ENSEMBLE_MODELS):
        net = load_net(model_path(name))
        net.setInput(blob)
        own.append(net.forward().copy())
    seg.method.net.setInput(blob)
    both = seg.method.net.forward()
    assert np.allclose(both, np.mean(own, axis=0), atol=1e-5)
    assert min(np.abs(both - o).max() for o in own) > 1e-3  # three different networks


@pytest.mark.parametrize("model", ["standard", "ensemble"])
def test_the_mirrored_pass_judges_the_mirrored_cells_and_flips_the_answer_back(monkeypatch, model):
    """segment.tta = flip: the network(s) run twice, on the frame's grid of cues and on it
    mirrored -- the frame's cells flipped, the padding (to the network's multiple of 16)
    left at the right, replicated -- and the second answer is flipped back and averaged:
    a mirror-symmetric grid is judged mirror-symmetric.  (The whole padded grid was
    flipped: the padding went to the left, the frame moved on the network's lattice, and a
    symmetric grid was judged lopsided, by 0.1-0.4 in probability.)  Without the pass, one run."""
    img, _ = make_scene("basic", 642, 480, seed=1, blur_radius=8.0)  # 214 x 160 cells of 3 px
    small = cv2.resize(img, (320, 239), interpolation=cv2.INTER_AREA)
    judged = {}
    for tta in ("off", "flip"):
        seg = Segmenter(load_config(None, [f"segment.tta={tta}", f"segment.model={model}", "segment.snap=0"]),
                        still=True)
        m = seg.method
        extract = m.cues.extract

        def symmetric(*args, m=m, extract=extract):
            """The cues, made mirror-symmetric over the frame's cells (forward differences
            put an edge's gradient in the cell left of it: the cues of a mirrored frame are
            the mirrored cues within half a cue pixel, not exactly)."""
            blob = extract(*args)
            gw = m.cues.grid[1]
            blob[..., :gw] = (blob[..., :gw] + blob[..., gw - 1::-1]) / 2
            blob[..., gw:] = blob[..., gw - 1:gw]
            return blob

        monkeypatch.setattr(m.cues, "extract", symmetric)
        seen = []
        net = m.net

        class Spy:
            def setInput(self, blob):  # noqa: N802
                seen.append(blob.copy())
                net.setInput(blob)

            def forward(self):
                return net.forward()

        m.net = Spy()
        prob = m.probability(small, img).copy()
        judged[tta] = prob
        assert len(seen) == (2 if tta == "flip" else 1)
        gh, gw = m.cues.grid
        assert (gh, gw, seen[0].shape[3]) == (160, 214, 224)  # (10 columns of padding)
        if tta == "flip":
            assert np.array_equal(seen[1][..., :gw], seen[0][..., gw - 1::-1])
            assert np.array_equal(seen[1][..., gw:], np.repeat(seen[0][..., :1], 10, axis=3))
    assert np.abs(judged["flip"] - judged["flip"][:, ::-1]).max() < 1e-4
    assert np.abs(judged["off"] - judged["off"][:, ::-1]).max() > 0.05  # (the network alone is not)
    assert iou((judged["flip"] > 0.45) * 255, (judged["off"] > 0.45) * 255) > 0.9


def test_the_default_model_is_the_ensemble_for_photos_and_one_network_for_video():
    """segment.model = auto (the default): still images are judged by the ensemble (2-7 ms more a
    photo), video frames by the standard network alone (a frame's time matters there); a model
    named explicitly is taken for both."""
    from livecut.segment.net import Ensemble, resolve_model

    assert load_config().segment.model == "auto"
    assert isinstance(Segmenter(still=True).method.net, Ensemble)
    assert not isinstance(Segmenter().method.net, Ensemble)
    assert Segmenter(still=True).method.model == "ensemble" and Segmenter().method.model == "standard"
    standard = load_config(None, ["segment.model=standard"])
    assert not isinstance(Segmenter(standard, still=True).method.net, Ensemble)
    assert isinstance(Segmenter(load_config("quality")).method.net, Ensemble)
    assert [resolve_model(m, s) for m in ("small", "ensemble") for s in (True, False)] == \
        ["small", "small", "ensemble", "ensemble"]


def test_the_small_network_is_selectable_and_finds_the_subject():
    img, gt = make_scene("basic", 640, 480, seed=1, blur_radius=8.0)
    seg = Segmenter(load_config("fast"))
    assert seg.cfg.model == "small"
    assert iou(seg.mask(img), gt) > 0.8


# ------------------------------------------------------------------ the YUV entry (transcode path)

def _i420(bgr):
    import av

    return av.VideoFrame.from_ndarray(np.ascontiguousarray(bgr), format="bgr24").reformat(format="yuv420p").to_ndarray()


@pytest.mark.parametrize("size", [(482, 362), (1280, 720), (1920, 1080)])  # 362: H/2 is odd
def test_mask_i420_agrees_with_the_bgr_path(size):
    """A decoded yuv420p frame segmented from its planes gives the mask its BGR conversion
    gives (the luma is the gray, the chroma only colours the small image)."""
    w, h = size
    img, gt = make_scene("several", w, h, seed=5, blur_radius=max(4.0, w / 120))
    yuv = _i420(img)
    import av

    bgr = av.VideoFrame.from_ndarray(yuv, format="yuv420p").to_ndarray(format="bgr24")
    a_bgr = Segmenter().mask(bgr).copy()
    a_yuv = Segmenter().mask_i420(yuv).copy()
    assert a_yuv.shape == (h, w)
    assert iou(a_yuv, a_bgr) > 0.97
    assert np.abs(a_yuv.astype(int) - a_bgr).mean() < 3.0
    assert iou(a_yuv, gt) > 0.8


@pytest.mark.parametrize("matrix", ["bt601", "bt709"])
def test_mask_i420_reads_the_colours_with_the_videos_matrix(matrix):
    """The engine's colours from the planes of a BT.709 frame are the frame's colours when
    the Segmenter is told its matrix (as the runner does from the source)."""
    from livecut.composite import bgr_to_i420

    img, _ = make_scene("several", 640, 360, seed=4, blur_radius=4.0)
    seg_bgr, seg_yuv = Segmenter(), Segmenter()
    seg_yuv.matrix = matrix
    seg_bgr.mask(img)
    seg_yuv.mask_i420(bgr_to_i420(img, matrix=matrix))
    assert np.abs(seg_yuv._small_bgr.astype(int) - seg_bgr._small_bgr).mean() < 1.5


@pytest.mark.parametrize("how", ["refine=color", "method=focus"])
def test_mask_i420_converted_to_bgr_keeps_the_videos_matrix(how):
    """The frames mask_i420 converts to BGR first (the colour refinement, a method with no
    reduction of its own) are read with the video's matrix: a BT.709 frame was read as
    BT.601 (reds 20 levels dark) for the engine."""
    from livecut.composite import bgr_to_i420

    img, _ = make_scene("several", 640, 360, seed=4, blur_radius=4.0)
    cfg = load_config(None, ["segment.method=focus"] if how == "method=focus" else [])
    still = how == "refine=color"
    seg_bgr, seg_yuv = Segmenter(cfg, still=still), Segmenter(cfg, still=still)
    seg_yuv.matrix = "bt709"
    seg_bgr.mask(img)
    seg_yuv.mask_i420(bgr_to_i420(img, matrix="bt709"))
    assert np.abs(seg_yuv._small_bgr.astype(int) - seg_bgr._small_bgr).mean() < 1.5


@pytest.mark.parametrize("method", ["focus", "canny"])
@pytest.mark.parametrize("matrix", ["bt601", "bt709"])
def test_mask_i420_converted_to_bgr_makes_no_frame_each_call(method, matrix):
    """A frame mask_i420 converts to BGR first (a method with no reduction of its own; the
    colour refinement too) goes into a buffer kept for the size: a new BGR frame was made each
    call, the mask the same."""
    from conftest import traced_peak
    from livecut.composite import bgr_to_i420

    w, h = 1280, 720
    img, _ = make_scene("several", w, h, seed=4, blur_radius=8.0)
    yuv = bgr_to_i420(img, matrix=matrix)
    seg = Segmenter(load_config(None, [f"segment.method={method}"]))
    seg.matrix = matrix
    for _ in range(3):
        seg.mask_i420(yuv)
    want = Segmenter(load_config(None, [f"segment.method={method}"])).mask(
        seg._i420_to_bgr(yuv, h, w).copy())
    got, peak = traced_peak(lambda: seg.mask_i420(yuv))
    assert peak < h * w * 3 / 4, f"{peak / (h * w * 3):.2f} of a BGR frame made in one call"
    assert np.array_equal(got, want)


def test_mask_i420_luma_is_the_gray_of_the_bgr_frame():
    img, _ = make_scene("basic", 1920, 1080, seed=2, blur_radius=8.0)
    yuv = _i420(img)
    ex1, ex2 = CueExtractor(), CueExtractor()
    ex1.reduce(img)
    ex2.reduce_luma(yuv[:1080])
    assert ex1.gray.shape == ex2.gray.shape == (540, 960)
    assert np.abs(ex1.gray.astype(int) - ex2.gray).mean() < 1.5


def test_a_4k_frame_is_reduced_by_two_halvings_within_a_level_of_the_4x4_mean():
    """A 4K frame's cue resolution is a reduction by 4: two 2x2 means (OpenCV's fast path;
    INTER_AREA by 4 took 2.6x the time), each rounded: within 1 level of the exact 4x4 mean,
    BGR and luma alike, in buffers made once."""
    img = np.random.default_rng(4).integers(0, 256, (2160, 3840, 3), dtype=np.uint8)
    img = cv2.GaussianBlur(img, (0, 0), 1.0)
    ex = CueExtractor()
    red = ex.reduce(img)
    assert ex.k == 4 and red.shape == (540, 960, 3)
    exact = img.reshape(540, 4, 960, 4, 3).astype(np.float64).mean(axis=(1, 3))
    assert np.abs(red - exact).max() <= 1.0
    mid = ex._mid_bgr
    ex.reduce(img)
    assert ex._mid_bgr is mid  # (reused)
    y = np.ascontiguousarray(img[:, :, 1])
    ex.reduce_luma(y)
    from livecut.segment.cues import LUMA_TO_GRAY
    want = LUMA_TO_GRAY[np.round(y.reshape(540, 4, 960, 4).mean(axis=(1, 3))).astype(np.uint8)]
    assert np.abs(ex.gray.astype(int) - want).max() <= 2  # (1 level, times the range expansion)


@pytest.mark.parametrize("shape,dtype", [((1081, 1920), np.uint8), ((1620, 1919), np.uint8),
                                          ((1620, 1920), np.float32), ((1080, 1920, 3), np.uint8)])
def test_mask_i420_refuses_what_is_not_i420(shape, dtype):
    from livecut.errors import UsageError

    with pytest.raises(UsageError):
        Segmenter().mask_i420(np.zeros(shape, dtype))


def test_video_refinement_solves_at_the_cue_size_without_blocks():
    """At 1080p the gray guided refinement runs on the frame reduced by 2 (the cue image)
    and is upsampled once: the alpha follows the real boundary, has no straight steps
    away from it, and no buffer is reallocated between frames."""
    img, gt = make_scene("basic", 1920, 1080, seed=7, blur_radius=12.0)
    seg = Segmenter()
    a1 = seg.mask(img)
    assert seg._upsampler.full_hw == (540, 960) and seg._upsampler.out_hw == (1080, 1920)
    assert iou(a1, gt) > 0.85
    ids = (id(seg._upsampler._A), id(seg._upsampler._mid), id(seg._out))
    a2 = seg.mask(img)
    assert (id(seg._upsampler._A), id(seg._upsampler._mid), id(seg._out)) == ids
    assert _long_straight_runs(a2, gt, 60) == 0


def test_eval_as_video_frames_and_through_i420(dataset):
    from conftest import run_cli

    r = run_cli("eval", *map(str, dataset), "--video", "--i420", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["as"] == "video frames, I420"
    assert data["mean"]["iou"] > 0.8


def _judged(seg) -> bool:
    return seg.timings["network"] > 0 or seg.timings["cues"] > 0


def test_a_still_scene_reuses_the_judgement_and_a_change_is_judged_at_once():
    """segment.still = 3 (video): while the frame stays as it was when last judged (only
    sensor noise), cues and network rest for up to 3 frames; the frame in which the
    subject moves is judged anew, and the masks match judging every frame."""
    img, gt = make_scene("basic", 640, 360, seed=4, blur_radius=6.0)
    rng = np.random.default_rng(5)
    noisy = [np.clip(img + rng.normal(0, 3.0, img.shape), 0, 255).astype(np.uint8) for _ in range(9)]
    moved = np.roll(img, 40, axis=1)
    frames = noisy + [moved, moved]
    seg = Segmenter(load_config(None, ["segment.still=3"]))
    every = Segmenter(load_config(None, ["segment.still=0"]))
    judged = []
    for i, f in enumerate(frames):
        a = seg.mask(f).copy()
        judged.append(_judged(seg))
        b = every.mask(f)
        assert _judged(every)
        assert iou(a, b) > 0.97, i
    assert judged == [True, False, False, False, True, False, False, False, True, True, False]
    assert iou(a, np.roll(gt, 40, axis=1)) > 0.85  # the moved subject, from the frame it moved
    assert seg.method.reused_still == 7 and seg.method.judged == 4
    photo = Segmenter(load_config(None, ["segment.still=3"]), still=True)  # photos: always judged
    photo.mask(img)
    photo.mask(img)
    assert _judged(photo)


def test_a_small_part_of_a_subject_that_moves_over_a_still_scene_is_judged_anew():
    """segment.still: a person's hand waving over a still shot (14 px at 640x360) changed under
    0.2 % of the working-size pixels (STILL_SHARE) and was taken for noise: the judgement was
    served again for up to 3 frames, the hand's mask left where it had been (2-10 of its 196
    pixels in the mask where it was, 85-185 judged).  A change whose mean over 3x3 working-size
    pixels reaches STILL_LEVEL is something that moved: each frame it moves in is judged anew
    (the masks are those of judging every frame), and the scene at rest again is still; a small
    change in the background, where nothing is kept, leaves the scene still."""
    bg, tex = make_samples.background(1), make_samples.subject_texture(2)
    person = np.zeros(bg.shape[:2], np.uint8)
    person[80:340, 200:320] = 255
    seg = Segmenter(load_config(None, ["segment.still=3"]))
    every = Segmenter(load_config(None, ["segment.still=0"]))
    judged = []
    for i, y in enumerate([150, 150] + [150 + 14 * (k % 4) for k in range(1, 13)] + [150] * 3):
        subject = person.copy()
        subject[y:y + 14, 320:334] = 255  # (the hand, at the person's side)
        frame = np.where(subject[:, :, None] > 0, tex, bg)
        a = seg.mask(frame).copy()
        judged.append(_judged(seg))
        assert np.array_equal(a, every.mask(frame)), i
    assert judged == [True, False] + [True] * 12 + [False] * 3, judged
    # a small light blinking in the background, where nothing is kept: still, as before
    seg, judged = Segmenter(load_config(None, ["segment.still=3"])), []
    for i in range(8):
        frame = np.where(person[:, :, None] > 0, tex, bg)
        if i % 2:
            frame[30:44, 500:514] = (40, 220, 255)
        seg.mask(frame)
        judged.append(_judged(seg))
    assert judged == [True, False, False, False] * 2, judged

def test_a_still_scene_judged_again_is_averaged_with_the_last_judgement():
    """segment.still = 3: when the reuse of a still scene's judgement runs out, the scene is
    judged anew and that probability averaged with the last one (STILL_AVERAGE): noise
    makes each judgement differ, the mask jumped at each.  A scene that changed is judged
    alone, and so is the first frame after reset()."""
    from livecut.segment import net

    img, _ = make_scene("basic", 640, 360, seed=4, blur_radius=6.0)
    rng = np.random.default_rng(5)
    frames = [np.clip(img + rng.normal(0, 3.0, img.shape), 0, 255).astype(np.uint8) for _ in range(5)]
    cfg = load_config(None, ["segment.still=3"])

    def alone(f):  # the probability of a frame judged on its own, as the first of a video
        s = Segmenter(cfg)
        s.mask(f)
        return s.method._raw.copy()

    seg = Segmenter(cfg)
    for f in frames:
        seg.mask(f)
    m = seg.method
    assert m.judged == 2 and m.averaged_still == 1
    first, fifth = alone(frames[0]), alone(frames[4])
    assert np.abs(fifth - first).max() > 0.05  # (the noise changes the judgement)
    want = net.STILL_AVERAGE * first + (1 - net.STILL_AVERAGE) * fifth
    assert np.abs(m._raw - want).max() < 1e-4
    moved = np.roll(frames[0], 40, axis=1)  # a change: judged alone
    seg.mask(moved)
    assert m.judged == 3 and m.averaged_still == 1
    assert np.abs(m._raw - alone(moved)).max() < 1e-4
    seg.reset()  # the first frame after reset: judged alone, though the scene is the same
    seg.mask(moved)
    assert m.judged == 4 and m.averaged_still == 1
    assert np.abs(m._raw - alone(moved)).max() < 1e-4


def test_a_still_scene_after_a_change_of_frame_size_is_checked_against_its_own_gray():
    """segment.still: a frame of another size with the same working size (bars of a line
    or two appearing) that the still check sees changed is judged with new buffers; the
    next checks' reference was swapped in from a buffer never written (np.empty), so the
    same frame again was judged anew instead of reused."""
    a = make_scene("basic", 1280, 720, seed=4, blur_radius=6.0)[0]
    b = np.ascontiguousarray(make_scene("basic", 1280, 720, seed=7, blur_radius=6.0)[0][:718])
    seg = Segmenter(load_config(None, ["segment.still=3"]))
    m = seg.method
    seg.mask(a)
    seg.mask(b)
    assert m._key[1] == (180, 320) and m._key[0] == (718, 1280) and m.judged == 2
    assert np.array_equal(m._judged_gray, cv2.cvtColor(seg._small_bgr, cv2.COLOR_BGR2GRAY))
    seg.mask(b)
    assert m.judged == 2 and m.reused_still == 1


def test_a_direct_probability_call_of_another_size_leaves_no_judgement_to_reuse():
    """probability() called directly on a frame of another size makes that size's buffers
    without a judgement in them; the video's next frame of that size reused them
    (segment.every = 2: an empty mask, or garbage) instead of being judged."""
    img = make_scene("basic", 640, 360, seed=4, blur_radius=6.0)[0]
    img2, gt2 = make_scene("basic", 800, 450, seed=5, blur_radius=6.0)
    seg = Segmenter(load_config(None, ["segment.every=2", "segment.still=3"]))
    seg.mask(img)
    seg.method.probability(cv2.resize(img2, (320, 180), interpolation=cv2.INTER_AREA), img2)
    a = seg.mask(img2)
    assert seg.method.last_judged and seg.method.judged == 2
    assert iou(a, gt2) > 0.9


def test_a_still_scene_judged_again_with_a_second_look_is_averaged_too():
    """segment.still: a still scene judged again whose judgement takes the second look at
    the coarse level (AGAIN_COARSE: strong noise, sharp all over at pixel scale) is
    averaged with the last judgement as another is; the second look replaced the averaged
    probability with its own alone (counted in averaged_still all the same)."""
    from livecut.segment import net

    img, _ = make_scene("basic", 640, 480, seed=2)
    rng = np.random.default_rng(0)
    base = img + rng.normal(0, 12, img.shape)  # (fixed noise: the still check passes)
    frames = [np.clip(base + rng.normal(0, 2, img.shape), 0, 255).astype(np.uint8) for _ in range(5)]
    cfg = load_config(None, ["segment.still=3", "segment.noisy=false"])

    def alone(f):
        s = Segmenter(cfg)
        s.mask(f)
        assert s.method.last_coarse  # (the second look)
        return s.method._raw.copy()

    seg = Segmenter(cfg)
    for f in frames:
        seg.mask(f)
    m = seg.method
    assert m.judged == 2 and m.averaged_still == 1 and m.judged_coarse == 2
    first, fifth = alone(frames[0]), alone(frames[4])
    assert np.abs(fifth - first).max() > 0.05
    want = net.STILL_AVERAGE * first + (1 - net.STILL_AVERAGE) * fifth
    assert np.abs(m._raw - want).max() < 1e-4


@pytest.mark.parametrize("every,still,expected", [
    (2, 3, "JrsrJrsrJ"),   # at most 3 frames in a row reuse a judgement, every other one judged
    (3, 3, "JrrJrrJrr"),   # a still check would make 5 in a row: not done
    (3, 6, "JrrsrrJrr"),
])
def test_still_and_every_together_keep_the_cap_on_frames_in_a_row(every, still, expected):
    img = make_scene("basic", 640, 360, seed=4, blur_radius=6.0)[0]
    seg = Segmenter(load_config(None, [f"segment.every={every}", f"segment.still={still}"]))
    got = ""
    for _ in range(len(expected)):
        before = seg.method.reused_still
        seg.mask(img)
        got += "J" if _judged(seg) else ("s" if seg.method.reused_still > before else "r")
    assert got == expected


def test_every_nth_frame_judges_focus_on_those_only():
    """segment.every = 2 (video): cues and network run on every other frame; the frames
    between reuse that judgement and are still refined on their own pixels."""
    img, gt = make_scene("basic", 640, 360, seed=4, blur_radius=6.0)
    seg = Segmenter(load_config(None, ["segment.every=2"]))
    judged = []
    for i in range(6):
        shifted = np.roll(img, 2 * i, axis=1)  # a slow pan: the refinement follows it
        a = seg.mask(shifted)
        judged.append(seg.timings["network"] > 0 or seg.timings["cues"] > 0)
        assert iou(a, np.roll(gt, 2 * i, axis=1)) > 0.85
    assert judged == [True, False, True, False, True, False]
    still = Segmenter(load_config(None, ["segment.every=2"]), still=True)  # photos: always judged
    still.mask(img)
    still.mask(img)
    assert still.timings["network"] > 0


@pytest.mark.parametrize("hw", [(240, 320), (256, 320)])  # padded rows, and rows that need none
def test_measuring_the_sharpest_detail_leaves_the_network_input_alone(hw):
    h, w = hw
    img = make_scene("basic", w, h, seed=0)[0]
    ex = CueExtractor()
    blob = ex.extract(img, cv2.resize(img, (w, h))).copy()
    p99 = np.percentile(blob[0, 4, :ex.grid[0], :ex.grid[1]], 99)
    assert ex.sharpest() == pytest.approx(p99, abs=1e-5)
    assert np.array_equal(ex.blob, blob)


def test_a_percentile_of_many_values_partitions_only_those_near_it():
    # the cues' percentiles (the 99th of the 32k cells of the grid at 1080p, every frame) partitioned
    # a copy of all the values, 0.29 ms; only those beyond a bound taken from a sample are, the
    # same two values found (ties, NaN, which a partition puts last, a sample far from the whole)
    from livecut.segment.cues import percentile

    rng = np.random.default_rng(3)
    for trial in range(600):
        n = int(rng.integers(4096, 40000))
        kind = trial % 6
        if kind == 0:
            v = rng.standard_normal(n).astype(np.float32)
        elif kind == 1:
            v = rng.integers(0, 5, n).astype(np.uint8)
        elif kind == 2:
            v = np.sort(rng.standard_normal(n)).astype(np.float32)
        elif kind == 3:
            v = rng.standard_normal(n).astype(np.float32)
            v[rng.integers(0, n, 50)] = np.nan
        elif kind == 4:
            v = np.full(n, 3.0, np.float32)
        else:  # (every value the sample sees far below the rest)
            v = rng.standard_normal(n).astype(np.float32)
            v[::7] = -100
        q = float(rng.choice([99, 95, 10, 50, 1, 0, 100, 99.9, rng.uniform(0, 100)]))
        pos = q / 100 * (n - 1)
        lo = int(pos)
        hi = min(lo + 1, n - 1)
        whole = v.copy()
        whole.partition((lo, hi))
        expected = float(whole[lo] + (pos - lo) * (whole[hi] - whole[lo]))
        got = percentile(v, q)
        assert got == expected or (np.isnan(got) and np.isnan(expected)), (trial, q)
    v = rng.standard_normal((135, 240)).astype(np.float32)  # (the grid at 1080p)
    scratch = np.empty(v.size, np.float32)
    percentile(v, 99, scratch)
    assert np.array_equal(scratch, v.ravel())  # (its copy of the values left unpartitioned)


@pytest.mark.parametrize("hw", [(1080, 1920), (360, 640), (101, 57)])
def test_the_noise_level_is_measured_with_a_separable_filter(hw, monkeypatch):
    # Immerkaer's 3x3 kernel (every frame at half the cue resolution: 270x480 at 1080p) is the outer
    # product of [1, -2, 1] with itself: applied as such, a third of filter2D's time (0.10 -> 0.03
    # ms), the same whole numbers, the same noise level
    from livecut.segment.cues import _NOISE_KERNEL, percentile

    h, w = hw
    rng = np.random.default_rng(h)
    img = make_scene("basic", w, h, seed=1)[0]
    img = np.clip(img + rng.normal(0, 6, img.shape), 0, 255).astype(np.uint8)
    ex = CueExtractor()
    ex.extract(img, cv2.resize(img, (max(1, w // 4), max(1, h // 4))))
    g = ex.levels[1]["g"]
    r8 = cv2.convertScaleAbs(cv2.filter2D(g, cv2.CV_16S, _NOISE_KERNEL))
    ch, cw = max(1, g.shape[0] // 8), max(1, g.shape[1] // 8)
    cells = cv2.resize(r8[:ch * 8, :cw * 8], (cw, ch), interpolation=cv2.INTER_AREA)
    expected = percentile(cells, 10)

    def no_filter2d(*args, **kwargs):
        raise AssertionError("filter2D: the 3x3 kernel, not the separable filter")

    monkeypatch.setattr(cv2, "filter2D", no_filter2d)
    assert ex.noise() == expected


def _moving_subject(i: int, step: int, seed: int = 5):
    """A sharp subject moved ``step * i`` px to the right over a still defocused background."""
    rng = np.random.default_rng(seed)
    h, w = 360, 640
    bg = defocused_background(rng, h, w, 6.0)
    tex = texture(rng, h, w, cell=3, base=(60, 90, 200), amplitude=40.0, shapes=0)
    gt = np.zeros((h, w), np.uint8)
    cv2.ellipse(gt, (200 + step * i, 180), (90, 120), 0, 0, 360, 255, -1)
    img = bg.copy()
    sel = gt > 0
    img[sel] = np.roll(tex, step * i, axis=1)[sel]
    return img, gt


def test_every_nth_frame_follows_a_moving_subject():
    """segment.every = 2: a frame between judged ones takes the last judgement moved with
    the image (optical flow at the working size), so its mask follows a subject that moves
    6 px a frame (3 working-size pixels: further than the refinement reaches).  The
    judgement as it was, unmoved, gives 0.91 here."""
    seg = Segmenter(load_config(None, ["segment.every=2"]))
    between = []
    for i in range(6):
        img, gt = _moving_subject(i, 6)
        a = seg.mask(img)
        if i % 2:
            assert not seg.judged_anew
            between.append(iou(a, gt))
    assert min(between) > 0.94


def test_every_nth_frame_judges_a_scene_cut_at_once():
    """segment.every = 8: a scene cut on a frame between judged ones was served the old
    scene's judgement (moved by optical flow) until the next judged frame, and the smoother
    took the new one only after smooth.settle more frames: IoU 0.08 for 9 frames (0.36 s at
    25 fps).  The frame after a cut is judged anew."""
    a, ga = make_scene("basic", 640, 360, seed=1)
    b, gb = make_scene("several", 640, 360, seed=2)
    cfg = load_config(None, ["segment.every=8"])
    seg = Segmenter(cfg, temporal=MaskSmoother(cfg))
    for _ in range(3):
        seg.mask(a)
    after = []
    for _ in range(4):  # (frames 3-6: none of them an 8th)
        after.append(iou(seg.mask(b), gb))
    assert min(after) > 0.9, after
    assert not seg.judged_anew  # (the frames after the cut reuse the new scene's judgement)



def test_every_nth_frame_a_jump_between_judged_frames_is_followed_at_the_next_judgement():
    """segment.every = 2: the subject jumps (a jump cut, same background) on a frame between
    judged ones, which the flow serves the old judgement (no frame-wide change: not lost).
    The smoother took that frame's image as the one its mask reflected, so at the next
    judged frame nothing had moved and the new mask came in only after smooth.settle frames:
    IoU 0.00 for 6 frames (0.24 s at 25 fps), the old place kept, the new one empty.  A
    reused judgement leaves the smoother's image reference where it was."""
    cfg = load_config(None, ["segment.every=2"])
    seg = Segmenter(cfg, temporal=MaskSmoother(cfg))
    for i in range(3):
        seg.mask(_moving_subject(0, 240)[0])
    img, gt = _moving_subject(1, 240)
    seg.mask(img)  # frame 3: served the old judgement, moved by the flow (the lag of segment.every)
    assert not seg.judged_anew
    after = [iou(seg.mask(img), gt) for _ in range(4)]
    assert min(after) > 0.9, after

@pytest.mark.parametrize("w,h", [(1920, 1080), (1280, 720), (3840, 2160), (640, 480), (1001, 333)])
def test_cues_measured_a_strip_at_a_time_equal_the_whole_levels(w, h, monkeypatch):
    """Level 0's gradients are pooled a strip of grid rows at a time (cache-sized): the network's
    input, the noise level and the sharpest detail are those of the whole level at once -- for
    strips of one cell row and of a few, a last strip shorter than the others, gradients that
    saturate, the kurtosis channel, and the coarse level."""
    from livecut.segment import cues

    rng = np.random.default_rng(w)
    img = make_scene("basic", w, h, seed=3)[0]
    img[: h // 3: 2] = 255 - img[: h // 3: 2]  # (steps of over 255 levels in |dx| + |dy|)
    img[h // 3:] = np.clip(img[h // 3:] + rng.normal(0, 6, img[h // 3:].shape), 0, 255).astype(np.uint8)
    small = cv2.resize(img, (320, 320 * h // w), interpolation=cv2.INTER_AREA)

    def measured(strip_pixels):
        monkeypatch.setattr(cues, "CUE_STRIP_PIXELS", strip_pixels, raising=False)
        out = []
        for kurtosis in (False, True):
            ex = CueExtractor(kurtosis=kurtosis)
            out += [ex.extract(img, small).copy(), ex.noise(), ex.sharpest()]
            coarse = CueExtractor(extra=2, kurtosis=kurtosis)
            coarse.reduce_gray(ex.gray, (h, w))
            out.append(coarse.extract(None, small).copy())
        return out

    whole = measured(1 << 40)  # (one strip: the whole level)
    for strip_pixels in (1, 7 * w, 65536):
        got = measured(strip_pixels)
        assert all(np.array_equal(a, b) for a, b in zip(got, whole)), strip_pixels


def test_the_kurtosis_channel_is_the_pooled_moments_ratio():
    """CueExtractor(kurtosis=True) (for a network trained with train_engine.py --kurtosis)
    adds log(1 + mean g^4) - 2 log(1 + mean g^2) per cell as a 9th channel, and leaves the
    first eight as they are."""
    img = make_scene("basic", 640, 480, seed=2)[0]
    small = cv2.resize(img, (320, 240), interpolation=cv2.INTER_AREA)
    plain = CueExtractor().extract(img, small).copy()
    ex = CueExtractor(kurtosis=True)
    blob = ex.extract(img, small)
    assert blob.shape[1] == 9 == ex.channels and np.array_equal(blob[:, :8], plain)
    gh, gw, q = ex.grid[0], ex.grid[1], ex.q
    g = ex.levels[0]["g"].astype(np.float64)
    a = np.zeros_like(g)  # |forward difference in x| + |in y|, saturating at 255 as the extractor's
    a[:-1, :-1] = np.minimum(255, np.abs(np.diff(g, axis=1))[:-1] + np.abs(np.diff(g, axis=0))[:, :-1])
    a[-1, :-1] = np.abs(np.diff(g, axis=1))[-1]
    a[:-1, -1] = np.abs(np.diff(g, axis=0))[:, -1]

    def cells(x):
        return x[:gh * q, :gw * q].reshape(gh, q, gw, q).mean(axis=(1, 3))

    want = np.log1p(cells(a ** 4)) - 2 * np.log1p(cells(a ** 2))
    assert np.abs(blob[0, 8, :gh, :gw] - want).max() < 1e-3


# ------------------------------------------------------------------ soft frames

def _softened(img, f):
    """``img`` with its detail at 1/f of the pixel scale (reduced by area, enlarged back by
    cubic), as a soft camera or an enlarged small picture shows a scene."""
    h, w = img.shape[:2]
    small = cv2.resize(img, (round(w / f), round(h / f)), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def test_a_soft_frame_is_judged_by_the_soft_network():
    """Three sharp subjects over a mild defocus (3 px), softened 2.5x: the sharpest detail
    falls below SOFT_P99 and the frame goes to the network fitted on softened photos, which
    finds the subjects (the standard network keeps ~0.73 of them here).  The same scene
    as rendered goes to the standard network; segment.soft = false never uses the soft one."""
    from livecut.segment.net import SOFT_P99

    img, gt = make_scene("several", 640, 480, seed=0, blur_radius=3.0)
    soft = _softened(img, 2.5)
    seg = Segmenter(still=True)
    a = seg.mask(soft)
    assert seg.method._sharpest < SOFT_P99 and seg.method.judged_soft == 1
    assert iou(a, gt) > 0.9
    seg.mask(img)
    assert seg.method._sharpest > SOFT_P99 and seg.method.judged_soft == 1
    off = Segmenter(load_config(None, ["segment.soft=false"]), still=True)
    off.mask(soft)
    assert off.method.soft_net is None
    small = Segmenter(load_config(None, ["segment.model=small"]), still=True)
    assert iou(small.mask(soft), gt) > 0.9 and small.method.judged_soft == 1


def test_video_changes_network_only_across_the_hysteresis():
    """In video a frame near SOFT_P99 does not switch networks back and forth: the first
    frame is decided on the level alone; after it the soft network takes over below
    SOFT_P99 - SOFT_HYSTERESIS and hands back at or above SOFT_P99 + SOFT_HYSTERESIS.  A
    photo is always decided on the level alone.  A frame of another size, or reset()
    (frames that are not one video: `livecut eval --video`), starts afresh."""
    from livecut.segment.net import SOFT_HYSTERESIS as H, SOFT_P99 as T

    video = Segmenter().method
    photo = Segmenter(still=True).method
    seq = [T + H / 2, T - H / 2, T - 1.5 * H, T - H / 2, T + H / 2, T + 1.5 * H, T + H / 2, T - H / 2]
    got_video, got_photo = [], []
    for p in seq:
        video._sharpest = photo._sharpest = p
        got_video.append(video._judge_soft())
        got_photo.append(photo._judge_soft())
    assert got_video == [False, False, True, True, True, False, False, False]
    assert got_photo == [p < T for p in seq]
    video._prepare((480, 640), (240, 320))  # frames of another size from here on
    video._sharpest = T - H / 2  # (video is on the standard network now)
    assert video._judge_soft()  # another size: the level alone
    video._sharpest = T + H / 2
    assert video._judge_soft()  # then the band again, for that size
    seg = Segmenter()
    seg.method._sharpest = T - 1.5 * H
    assert seg.method._judge_soft()
    seg.reset()
    seg.method._sharpest = T + H / 2
    assert not seg.method._judge_soft()  # as a first frame (without reset: still soft)


@pytest.mark.parametrize("variant", ["basic", "several"])
def test_a_noisy_frame_is_judged_by_the_noisy_network(variant):
    """Sensor noise of sigma 8 over a 640x480 frame: its noise level sends it to the noisy
    network, which finds the subject the standard network loses in the noise; the clean
    frame stays with the standard one."""
    import dataclasses

    from livecut.config import Config, SegmentConfig
    from livecut.segment.net import NOISY_LEVEL

    img, gt = make_scene(variant, 640, 480, seed=2)
    noisy = np.clip(img + np.random.default_rng(0).normal(0, 8, img.shape), 0, 255).astype(np.uint8)
    seg = Segmenter(still=True)
    assert iou(seg.mask(noisy), gt) > 0.9
    assert seg.method.judged_noisy == 1 and seg.method.noise_level >= NOISY_LEVEL
    seg.mask(img)
    assert seg.method.judged_noisy == 1 and seg.method.noise_level < NOISY_LEVEL / 2
    # (the standard network alone: segment.grabcut, which settles its unsure band by colour, off)
    off = Segmenter(dataclasses.replace(Config(), segment=dataclasses.replace(SegmentConfig(), noisy=False,
                                                                           model="standard", grabcut="off")),
                    still=True)
    assert off.method.noisy_net is None
    assert iou(off.mask(noisy), gt) < 0.7


def test_an_hd_frame_goes_to_the_noisy_network_from_a_lower_level():
    """An HD frame's cues are measured on it reduced 2x, which averages its noise down before
    it is measured: from a cue factor of 2 the noisy network takes frames from
    NOISY_LEVEL_REDUCED (sigma 10 at 1280x720 reads 7: the standard network judged it
    before), at a cue factor of 1 from NOISY_LEVEL as before."""
    from livecut.segment.net import NOISY_LEVEL, NOISY_LEVEL_REDUCED

    img, gt = make_scene("basic", 1280, 720, seed=2)
    noisy = np.clip(img + np.random.default_rng(0).normal(0, 10, img.shape), 0, 255).astype(np.uint8)
    seg = Segmenter(still=True)
    assert iou(seg.mask(noisy), gt) > 0.95
    m = seg.method
    assert m.cues.k == 2 and NOISY_LEVEL_REDUCED <= m.noise_level < NOISY_LEVEL
    assert m.judged_noisy == 1 and m.noisy_level() == NOISY_LEVEL_REDUCED
    small = Segmenter(still=True).method  # the same level at a cue factor of 1: the standard network
    small.cues.k = 1
    small.cues.noise = lambda: m.noise_level
    assert small.noisy_level() == NOISY_LEVEL and not small._judge_noisy()


@pytest.mark.parametrize("variant,w,h,sigma,crf", [
    ("basic", 640, 360, 10, 23), ("several", 640, 360, 10, 23),
    ("basic", 1280, 720, 8, 0), ("basic", 1280, 720, 10, 23)])
def test_a_noisy_video_frame_goes_to_the_noisy_network_from_the_video_level(variant, w, h, sigma, crf):
    """Sensor noise over a video, recorded through H.264 or not.  The codec wipes the noise
    out of the flat background, where the level is read, and leaves it over the detail; an
    HD frame's reduction averages it down.  Either way the level reads under the photos'
    (NOISY_LEVEL at 640x360, NOISY_LEVEL_REDUCED for HD: about 6 and 4-5), and the standard
    network took the noise for focus (IoU 0.30-0.83).  A video frame goes to the noisy
    network from NOISY_LEVEL_VIDEO (cue factor 1) or NOISY_LEVEL_VIDEO_REDUCED (2); a photo
    keeps the photos' level."""
    from conftest import REPO
    from livecut.segment import net

    sys.path.insert(0, str(REPO / "tools"))
    from clip_metrics import through_h264

    img, gt = make_scene(variant, w, h, seed=2)
    rng = np.random.default_rng(0)
    frames = [np.clip(img + rng.normal(0, sigma, img.shape), 0, 255).astype(np.uint8) for _ in range(3)]
    if crf:  # (one x264 thread: its output, and the level read, would follow the CPU count)
        frames = through_h264(frames, crf, threads=1)
    video = Segmenter()
    assert iou(video.mask(frames[-1]), gt) > 0.95
    m = video.method
    k = 1 if w < 1000 else 2
    level_video = net.NOISY_LEVEL_VIDEO if k == 1 else net.NOISY_LEVEL_VIDEO_REDUCED
    level_photo = net.NOISY_LEVEL if k == 1 else net.NOISY_LEVEL_REDUCED
    assert m.cues.k == k and level_video <= m.noise_level < level_photo
    assert m.judged_noisy == 1 and m.noisy_level() == level_video
    photo = Segmenter(still=True)
    photo.mask(frames[-1])
    assert photo.method.noisy_level() == level_photo and photo.method.judged_noisy == 0


def test_the_run_summary_says_how_many_frames_the_noisy_network_judged(tmp_path):
    import av

    from conftest import run_cli

    img, _ = make_scene("basic", 640, 480, seed=2)
    rng = np.random.default_rng(0)
    for name, sigma in (("noisy", 10), ("clean", 0)):
        src = tmp_path / f"{name}.mkv"
        with av.open(str(src), "w") as c:  # (lossless: the noise as it was made)
            vs = c.add_stream("ffv1", rate=25)
            vs.width, vs.height, vs.pix_fmt = 640, 480, "yuv420p"
            for i in range(6):
                f = np.clip(img + rng.normal(0, sigma, img.shape), 0, 255).astype(np.uint8)
                fr = av.VideoFrame.from_ndarray(f, format="bgr24")
                fr.pts = i
                c.mux(vs.encode(fr))
            c.mux(vs.encode(None))
        r = run_cli("file", str(src), "-o", str(tmp_path / f"{name}_out.mkv"), "--mode", "mask")
        assert r.returncode == 0, r.stderr
        said = "judged by the noisy network" in r.stderr
        assert said == (name == "noisy"), r.stderr


def test_video_changes_to_the_noisy_network_only_across_its_hysteresis():
    from livecut.segment.net import NOISY_HYSTERESIS as H, NOISY_LEVEL, NOISY_LEVEL_VIDEO

    video, photo = Segmenter().method, Segmenter(still=True).method
    steps = [-H / 2, H / 2, 1.5 * H, H / 2, -H / 2, -1.5 * H, -H / 2, H / 2]
    got_video, got_photo = [], []
    for d in steps:
        video.cues.noise = lambda d=d: NOISY_LEVEL_VIDEO + d
        photo.cues.noise = lambda d=d: NOISY_LEVEL + d
        got_video.append(video._judge_noisy())
        got_photo.append(photo._judge_noisy())
    assert got_video == [False, False, True, True, True, False, False, False]
    assert got_photo == [d >= 0 for d in steps]
    video.reset()
    video.cues.noise = lambda: NOISY_LEVEL_VIDEO + H / 2
    assert video._judge_noisy()  # as a first frame: the level alone


@pytest.mark.parametrize("k", [1, 2])
def test_video_and_photo_frames_go_by_their_own_noise_levels(k):
    """A video frame goes to the noisy network from NOISY_LEVEL_VIDEO (cue factor 1) or
    NOISY_LEVEL_VIDEO_REDUCED (2 and more), a photo from NOISY_LEVEL or NOISY_LEVEL_REDUCED."""
    from livecut.segment import net

    want_video = net.NOISY_LEVEL_VIDEO if k == 1 else net.NOISY_LEVEL_VIDEO_REDUCED
    want_photo = net.NOISY_LEVEL if k == 1 else net.NOISY_LEVEL_REDUCED
    assert want_video < want_photo
    for still, want in ((False, want_video), (True, want_photo)):
        m = Segmenter(still=still).method
        m.cues.k = k
        assert m.noisy_level() == want
        for level, expected in ((want - 0.5, False), (want, True)):
            m.reset()
            m.cues.noise = lambda level=level: level
            assert m._judge_noisy() is expected, (still, level)


# ------------------------------------------------------------------ edge snap

@pytest.mark.parametrize("variant", ["basic", "several"])
def test_video_frames_get_the_colour_edge_snap_too(variant):
    """segment.snap moves the boundary onto the subject's colour edges in video as in photos
    (it was for photos only; on the tuning photos it adds ~0.013 IoU to video frames)."""
    for seed in (0, 1):
        img, gt = make_scene(variant, 960, 540, seed=seed)
        snapped = iou(_mask(img, still=False), gt)
        plain = iou(_mask(img, "segment.snap=0", still=False), gt)
        assert snapped > 0.985 and snapped > plain + 0.008, (seed, snapped, plain)


def test_eval_sheet_in_a_read_only_folder_is_refused_before_the_evaluation(dataset, tmp_path, monkeypatch):
    # it was 'could not write the sheet' (no reason, exit 2) after every photo was evaluated
    import os

    from typer.testing import CliRunner

    from livecut import evaluate
    from livecut.cli import app

    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: False if str(p) == str(ro) else real(p, mode, *a, **k))
    monkeypatch.setattr(evaluate, "_sheet_row", lambda *a: pytest.fail("evaluated before refusing"))
    r = CliRunner().invoke(app, ["eval", *map(str, dataset), "--sheet", str(ro / "sheet.png")])
    assert r.exit_code == 1, r.output
    assert "cannot write there" in r.output and "sheet.png" in r.output


def _still_clip(n: int, moved_at: int | None = None, seed: int = 4):
    """A still scene (sensor noise of 3 levels a frame) whose subject moves 40 px at frame
    ``moved_at``; the frames and each one's truth."""
    img, gt = make_scene("basic", 640, 360, seed=seed, blur_radius=6.0)
    rng = np.random.default_rng(5)
    frames, truth = [], []
    for i in range(n):
        shift = 40 if moved_at is not None and i >= moved_at else 0
        base = np.roll(img, shift, axis=1)
        frames.append(np.clip(base + rng.normal(0, 3.0, img.shape), 0, 255).astype(np.uint8))
        truth.append(np.roll(gt, shift, axis=1))
    return frames, truth


def test_a_still_scene_keeps_its_full_size_refinement(monkeypatch):
    """Video, a still scene (REFINE_KEEP): the full-size refinement of a still frame is kept
    while the smoothed alpha stays within REFINE_KEEP levels of the one refined; the noise of
    each frame's guide made the edge flicker at full size (and cost a refinement a frame).
    Refined anew every frame (REFINE_KEEP < 0), the masks of still frames all differ."""
    import livecut.segment as segment_module
    from livecut.smooth import MaskSmoother

    frames, truth = _still_clip(16)
    cfg = load_config(None, ["segment.still=3"])

    def run(keep):
        monkeypatch.setattr(segment_module, "REFINE_KEEP", keep)
        seg = Segmenter(cfg, temporal=MaskSmoother(cfg))
        masks, still = [], []
        for f in frames:
            masks.append(seg.mask(f).copy())
            still.append(seg.method.last_still)
        return masks, still

    kept, still = run(4)
    anew, _ = run(-1)
    assert still[0] is False and sum(still) >= 12
    same_kept = sum(np.array_equal(a, b) for a, b in zip(kept[1:], kept))
    same_anew = sum(np.array_equal(a, b) for a, b in zip(anew[1:], anew))
    assert same_anew == 0
    assert same_kept >= 6
    for a, b, gt in zip(kept, anew, truth):  # the same cut: edges within a few levels
        assert iou(a, gt) > 0.9 and abs(iou(a, gt) - iou(b, gt)) < 0.01
        assert np.abs(a.astype(int) - b).mean() < 0.5


def test_a_kept_refinement_is_dropped_when_the_picture_moves():
    """REFINE_KEEP: the subject moving 40 px after still frames is refined anew at once (the
    frame is judged anew: not still), and reset() forgets the refinement kept."""
    from livecut.smooth import MaskSmoother

    frames, truth = _still_clip(14, moved_at=8)
    cfg = load_config(None, ["segment.still=3"])
    seg = Segmenter(cfg, temporal=MaskSmoother(cfg))
    for i, f in enumerate(frames):
        a = seg.mask(f)
        if i == 7:
            assert seg._kept is not None and seg._kept["valid"]
            before = a.copy()
        if i == 8:
            assert seg.method.last_still is False and not seg._kept["valid"]
            assert not np.array_equal(a, before)
    # the moved subject, a few frames on (the smoother follows the move)
    assert iou(a, truth[-1]) > 0.85
    seg.reset()
    assert seg._kept is None
    seg.mask(frames[-1])
    assert seg.method.last_still is False


def _begin_end_clip() -> list[np.ndarray]:
    """Frames that take every path of the refinement: a still scene (a kept refinement), the
    subject moving, black bars coming in (the part judged gets smaller) and going, a frame of
    another size, then the first size again."""
    frames, _ = _still_clip(10, moved_at=6)
    h, w = frames[0].shape[:2]
    barred = [f.copy() for f in frames[:4]]
    for f in barred:
        f[:40] = 0
        f[h - 40:] = 0
    small = [np.ascontiguousarray(f[: h // 2 * 2 - 60, : w - 80]) for f in frames[:3]]
    return frames + barred + frames[:2] + small + frames[2:5]


@pytest.mark.parametrize("lag", [1, 4])
@pytest.mark.parametrize("i420", [False, True])
def test_begin_and_end_give_what_mask_gives(i420, lag):
    """Segmenter.begin / end (video.segment_ahead: the reader thread begins each frame, the
    processing thread ends it, with the full-size refinement, while the next ones are begun):
    frames begun ``lag`` ahead of their end give the bytes that mask() gives one frame after
    the other -- a still scene's kept refinement, black bars, a change of frame size included."""
    from livecut.smooth import MaskSmoother

    cfg = load_config(None, ["segment.still=3"])
    frames = _begin_end_clip()
    if i420:
        frames = [cv2.cvtColor(f[: f.shape[0] // 2 * 2, : f.shape[1] // 2 * 2], cv2.COLOR_BGR2YUV_I420)
                  for f in frames]

    serial = Segmenter(cfg, temporal=MaskSmoother(cfg))
    run = serial.mask_i420 if i420 else serial.mask
    want = [run(f).copy() for f in frames]

    seg = Segmenter(cfg, temporal=MaskSmoother(cfg))
    ring: dict = {}
    began: list = []
    got, deferred = [], 0
    for i, f in enumerate(frames + [None] * lag):
        if f is not None:  # (a ring of outs, one for each frame in flight, as the pipeline's)
            h = f.shape[0] * 2 // 3 if i420 else f.shape[0]
            out = ring.setdefault((i % (lag + 1), h, f.shape[1]), np.empty((h, f.shape[1]), np.uint8))
            began.append(seg.begin(f, out, i420=i420))
        if i >= lag:
            pending = began.pop(0)
            deferred += pending.deferred
            got.append(seg.end(pending).copy())
    assert deferred >= len(frames) - 2  # (the refinement was left to end(): not done in begin)
    assert len(got) == len(want)
    for i, (a, b) in enumerate(zip(got, want)):
        assert np.array_equal(a, b), f"frame {i}: {np.count_nonzero(a != b)} pixels differ"
    # the still scene's refinement was kept (else this test would not take that path)
    assert serial._kept is not None and seg._kept is not None


def test_an_out_begun_again_before_its_frame_is_ended_gives_each_frame_its_own_alpha():
    """Frames begun into one out before the first was ended (a ring of outs smaller than the
    frames in flight) shared one Pending: the first frame's end() gave the second frame's
    alpha, without a word, and the second's end() was a UsageError ("ended already").  Each
    end() gives its own frame's alpha (into the out, to be read before the next end)."""
    from livecut.smooth import MaskSmoother

    cfg = load_config(None, ["segment.still=3"])
    frames = _begin_end_clip()[:12]
    serial = Segmenter(cfg, temporal=MaskSmoother(cfg))
    want = [serial.mask(f).copy() for f in frames]
    seg = Segmenter(cfg, temporal=MaskSmoother(cfg))
    out = np.empty(frames[0].shape[:2], np.uint8)  # (one out for the 3 frames in flight)
    began, got = [], []
    for f in frames + [None, None]:
        if f is not None:
            began.append(seg.begin(f, out))
        if len(began) == 3 or f is None and began:
            got.append(seg.end(began.pop(0)).copy())
    assert len(got) == len(want)
    for i, (a, b) in enumerate(zip(got, want)):
        assert np.array_equal(a, b), f"frame {i}: {np.count_nonzero(a != b)} pixels differ"


def test_begin_does_the_whole_where_there_is_nothing_to_leave():
    """Photos (the colour refinement) have nothing left for end(): begin gives the whole."""
    img, _ = make_scene("basic", 400, 300)
    seg = Segmenter(load_config(None, []), still=True)
    out = np.empty(img.shape[:2], np.uint8)
    pending = seg.begin(img, out)
    assert not pending.deferred
    assert np.array_equal(seg.end(pending), Segmenter(load_config(None, []), still=True).mask(img))


def test_end_takes_only_what_its_own_begin_gave():
    """Segmenter.end of a frame another Segmenter began (of another refinement: none where it
    was guided) gave a wrong alpha without a word (a plain resize), or a bare TypeError
    ('NoneType' object is not callable, guided ending a refine=none frame); end(None), of an
    array, an AttributeError.  Each is a UsageError that says what end takes."""
    from livecut.errors import UsageError

    img, _ = make_scene("basic", 400, 300)
    guided = Segmenter(load_config(None, ["segment.refine=guided"]))
    plain = Segmenter(load_config(None, ["segment.refine=none"]))
    for began, ends in ((guided, plain), (plain, guided)):
        out = np.zeros(img.shape[:2], np.uint8)
        pending = began.begin(img, out)
        with pytest.raises(UsageError, match="another Segmenter's begin"):
            ends.end(pending)
        assert not out.any()  # (nothing written)
        assert np.array_equal(began.end(pending), Segmenter(began.cfg).mask(img))
    for wrong in (None, out, object()):
        with pytest.raises(UsageError, match=r"Segmenter.end takes what Segmenter.begin returned"):
            guided.end(wrong)


def test_begin_takes_the_bits_of_a_10_bit_frame_as_mask_does():
    """A 10-bit video's frames as a decoder gives them (0-1023 in uint16) take mask(frame,
    bits=10); begin had no bits (a TypeError), and without it read them as 16-bit, nearly black:
    another alpha than mask's, without a word.  begin(frame, out, bits=10) gives mask's bytes."""
    img, _ = make_scene("basic", 400, 300)
    ten = (img.astype(np.uint16) * 4).clip(0, 1023)
    want = Segmenter(load_config(None, [])).mask(ten, bits=10)
    seg = Segmenter(load_config(None, []))
    out = np.empty(img.shape[:2], np.uint8)
    assert np.array_equal(seg.end(seg.begin(ten, out, bits=10)), want)


def test_begin_lets_go_of_the_buffers_of_another_frame_size():
    """Segmenter.begin keeps a set of buffers for each out it is given (the pipeline's ring): a
    video whose frames change size left the old size's sets (and the outs they name) held until
    32 had been made -- at 4K ~70 MB for a ring of 7."""
    seg = Segmenter(load_config(None, []))
    for shape in ((240, 320), (300, 400)):
        img, _ = make_scene("basic", shape[1], shape[0])
        outs = [np.empty(shape, np.uint8) for _ in range(3)]
        for out in outs:
            seg.end(seg.begin(img, out))
        assert {k[1] for k in seg._slots} == {shape} and len(seg._slots) == 3


def test_begin_end_holds_no_out_after_its_end():
    """A caller giving begin a new out for each frame (``seg.end(seg.begin(f, np.empty(...)))``)
    had the Segmenter hold 32 of them (and their frames' buffers) at once, ~280 MB at 4K: after
    end, only the Segmenter's own small buffers stay; a frame ended twice is said."""
    from livecut.errors import UsageError

    img, _ = make_scene("basic", 400, 300)
    seg = Segmenter(load_config(None, []))
    want = Segmenter(load_config(None, [])).mask(img).copy()
    for _ in range(5):
        pending = seg.begin(img, np.empty(img.shape[:2], np.uint8))
        alpha = seg.end(pending)
    assert alpha.shape == img.shape[:2]
    assert all(p.out is None and p.dst is None for p in seg._slots.values())
    with pytest.raises(UsageError, match="ended already"):
        seg.end(pending)
    assert np.array_equal(alpha, want)
    # a ring of outs, reused: each end gives back its frame's out, holding what mask gives
    ring = [np.empty(img.shape[:2], np.uint8) for _ in range(2)]
    began, serial = Segmenter(load_config(None, [])), Segmenter(load_config(None, []))
    for i in range(4):
        assert began.end(began.begin(img, ring[i % 2])) is ring[i % 2]
        assert np.array_equal(ring[i % 2], serial.mask(img))


# ------------------------------------------------------------------ GrabCut (segment.grabcut)

def _two_colours(h=120, w=160, seed=5):
    """A textured red left half and a textured green right half (BGR)."""
    rng = np.random.default_rng(seed)
    img = np.empty((h, w, 3), np.uint8)
    img[:, :w // 2] = (40, 40, 200)
    img[:, w // 2:] = (40, 190, 40)
    noise = rng.integers(-12, 13, (h, w, 3))
    return np.clip(img.astype(int) + noise, 0, 255).astype(np.uint8)


def _method(grabcut="auto", still=True, hw=(120, 160)):
    seg = Segmenter(load_config(None, [f"segment.grabcut={grabcut}"]), still=still)
    m = seg.method
    m._prepare(hw, hw)
    return m


def test_grabcut_settles_the_unsure_band_by_colour_and_leaves_the_sure_parts():
    """Where the network is unsure (probability 0.2-0.8), the decision follows the picture's
    colours: a red band judged out (0.4) beside red judged surely in is taken in, a green band
    judged in (0.6) beside green judged surely out is left out, and the band's alpha is the
    cut's, soft only at its edge -- a line the network judged softly on the side the cut takes
    (no grey line left along the old edge).  What the network is sure of stands, a patch of
    the subject's colour judged surely out included."""
    img = _two_colours()
    m = _method()
    prob = np.empty(img.shape[:2], np.float32)
    prob[:, :80] = 0.95     # red: surely in
    prob[:, 80:] = 0.05     # green: surely out
    prob[:, 60:80] = 0.4    # red, unsure, judged out
    prob[:, 70] = 0.47      # ... but for a line judged in, softly (alpha 0.66)
    prob[:, 80:100] = 0.6   # green, unsure, judged in
    prob[:, 90] = 0.43      # ... but for a line judged out, softly (alpha 0.34)
    img[100:, 120:] = img[:20, :40]  # red where the network is sure there is no subject
    prob[100:, 120:] = 0.05
    assert m._grabcut(img, prob)
    assert (prob[100:, 120:] == np.float32(0.05)).all()
    assert (prob[:, :60] == np.float32(0.95)).all() and (prob[:20, 100:] == np.float32(0.05)).all()
    mask = np.empty(prob.shape, np.uint8)
    m._to_alpha(prob, mask)
    assert (mask[:, 60:80] >= 128).mean() > 0.95 and (mask[:, 80:100] < 128).mean() > 0.95
    # soft at the cut's edge (the pixel each side of it, GRABCUT_SOFTNESS), 255 and 0 from the next
    # one on (softened by a Gaussian of a whole pixel, 2-3 pixels each side were soft)
    assert (mask[:, 60:79] == 255).mean() > 0.95 and (mask[:, 81:100] == 0).mean() > 0.95
    assert (mask[:, 78] == 255).mean() > 0.95 and (mask[:, 81] == 0).mean() > 0.95
    assert ((mask[:, 79:81] > 0) & (mask[:, 79:81] < 255)).mean() > 0.95


def test_a_photos_soft_edge_at_a_hard_boundary_is_narrow():
    """A sharp textured square over a defocused texture (a hard boundary) in a 640x480 photo:
    the full-size alpha is partial over fewer than 7.6 pixels across each side of the square, on
    average (7.0 now; 8.2 when GrabCut's cut was softened over a whole working-size pixel, a
    grey halo of 2-3 pixels beyond the soft edge that the colour refinement gives), and the
    square is cut."""
    h, w = 480, 640
    rng = np.random.default_rng(0)
    img = defocused_background(rng, h, w, 6.0 * w / 400)
    tex = texture(rng, h, w, cell=3, base=(60, 90, 200), amplitude=40.0)
    y0, y1, x0, x1 = h // 4, 3 * h // 4, w // 3, 2 * w // 3
    img[y0:y1, x0:x1] = tex[y0:y1, x0:x1]
    gt = np.zeros((h, w), np.uint8)
    gt[y0:y1, x0:x1] = 255
    seg = Segmenter(load_config(None, []), still=True)
    alpha = seg.mask(img)
    assert seg.method.judged_grabcut == 1 and iou(alpha, gt) > 0.95
    soft = (alpha > 0) & (alpha < 255)
    m = 24  # (each side's crossings: its rows or columns, 12 px clear of the corners, 24 px each way)
    rows, cols = slice(y0 + m // 2, y1 - m // 2), slice(x0 + m // 2, x1 - m // 2)
    widths = [soft[rows, x0 - m:x0 + m].sum(axis=1).mean(), soft[rows, x1 - m:x1 + m].sum(axis=1).mean(),
              soft[y0 - m:y0 + m, cols].sum(axis=0).mean(), soft[y1 - m:y1 + m, cols].sum(axis=0).mean()]
    assert np.mean(widths) < 7.6, widths


def test_grabcut_is_skipped_without_an_unsure_band_or_with_too_few_pixels_on_a_side():
    img = _two_colours()
    m = _method()
    sure = np.where(np.arange(160) < 80, 0.95, 0.05).astype(np.float32)[None].repeat(120, 0)
    before = sure.copy()
    assert not m._grabcut(img, sure)
    assert np.array_equal(sure, before)
    lonely = np.full((120, 160), 0.9, np.float32)
    lonely[:, 60:100] = 0.5  # (an unsure band, judged in)
    lonely[:2, :2] = 0.1  # (4 pixels out: no colour model can be fitted to them)
    before = lonely.copy()
    assert not m._grabcut(img, lonely)
    assert np.array_equal(lonely, before)
    assert m.judged_grabcut == 0


def test_grabcut_is_for_still_images_unless_set():
    assert _method().grabcut and not _method(still=False).grabcut
    assert _method("on", still=False).grabcut and not _method("off").grabcut


def test_a_photo_is_cut_the_same_whatever_used_opencvs_random_generator_before():
    """GrabCut's colour models start from k-means on OpenCV's random generator: seeded, one
    photo gives one mask, whatever drew numbers from it before."""
    img, _ = make_scene("several", 320, 240, seed=4)
    seg = Segmenter(load_config(None, []), still=True)
    first = seg.mask(img).copy()
    assert seg.method.judged_grabcut == 1
    cv2.randu(np.empty((100, 100), np.float32), 0, 1)
    cv2.setRNGSeed(987)
    cv2.randu(np.empty((7, 7), np.float32), 0, 1)
    assert np.array_equal(seg.mask(img), first)


def test_a_subject_dropped_for_its_size_leaves_no_soft_ring():
    """A subject under segment.min_area is dropped (to 0), and the soft alpha below the cut
    around it goes with it: a faint ring stayed where it was (GrabCut, cutting away the unsure
    band around a small sure core, left many).  A kept subject keeps its soft edge."""
    m = _method()
    mask = np.zeros((120, 160), np.uint8)
    mask[20:100, 10:70] = 100   # the kept subject's soft edge ...
    mask[22:98, 12:68] = 255    # ... around it
    mask[58:62, 118:122] = 255  # a subject of 16 pixels (under 1 % of the frame) ...
    cv2.rectangle(mask, (116, 56), (123, 63), 100, 1)  # ... its soft ring, 2 px out
    m._select(mask)
    assert not mask[50:70, 110:130].any()
    assert (mask[20:100, 10:12] == 100).all() and (mask[22:98, 12:68] == 255).all()
