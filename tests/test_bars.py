"""Black bars around the picture (letterbox, pillarbox): found, and left out of the judgement."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from livecut.config import Config, SegmentConfig
from livecut.segment import Segmenter
from livecut.segment.bars import ADOPT_FRAMES, CHECK_EVERY, MIN_BAR, BarTracker, _inside, bars_hold, find_bars
from synth import iou, make_scene


def _pad(img: np.ndarray, top=0, bottom=0, left=0, right=0, value=0) -> np.ndarray:
    return cv2.copyMakeBorder(img, top, bottom, left, right, cv2.BORDER_CONSTANT,
                              value=(value,) * 3 if img.ndim == 3 else value)


@pytest.fixture(scope="module")
def scene():
    return make_scene("basic", w=400, h=300, seed=3)


@pytest.mark.parametrize("pads", [(40, 40, 0, 0), (0, 0, 70, 70), (30, 30, 50, 50), (36, 0, 0, 0), (0, 0, 0, 45)])
def test_bars_are_found_to_the_pixel(scene, pads):
    img, _ = scene
    t, b, l, r = pads
    framed = _pad(img, t, b, l, r, value=16)  # (black in video: a few levels above 0)
    h, w = framed.shape[:2]
    assert find_bars(framed) == (t, h - b, l, w - r)


def test_no_bars_in_a_picture_without_them(scene):
    img, _ = scene
    assert find_bars(img) is None
    assert find_bars(_pad(img, 2, 2, 2, 2)) is None  # thinner than MIN_BAR: left in the picture
    assert MIN_BAR > 2


def test_noise_in_a_bar_is_tolerated_but_a_picture_is_not(scene):
    img, _ = scene
    framed = _pad(img, 40, 40, 0, 0)
    rng = np.random.default_rng(0)
    framed[:40] = rng.integers(0, 20, framed[:40].shape, dtype=np.uint8)  # sensor noise, below the dark level
    framed[5, 17] = 255  # one speck in a row
    assert find_bars(framed) == (40, 340, 0, 400)
    framed[5, 20:60] = 255  # 40 bright pixels in a row: not a bar row, and the bar ends there
    assert find_bars(framed)[0] == 5


def test_bars_that_leave_too_little_picture_or_a_black_frame_are_not_bars(scene):
    img, _ = scene
    assert find_bars(np.zeros((300, 400, 3), np.uint8)) is None
    assert find_bars(_pad(img[:, 180:220], 0, 0, 200, 200)) is None  # 40 px of 440: under MIN_KEEP


def test_even_boxes_for_i420(scene):
    img, _ = scene
    framed = _pad(img, 41, 39, 33, 0)
    h, w = framed.shape[:2]
    assert find_bars(framed) == (41, h - 39, 33, w)
    assert find_bars(framed, even=True) == (42, h - 40, 34, w - 1)  # (w is odd)


def _cfg(**kw) -> Config:
    return dataclasses.replace(Config(), segment=dataclasses.replace(SegmentConfig(), **kw))


@pytest.mark.parametrize("pads", [(60, 60, 0, 0), (0, 0, 90, 90)])
def test_a_framed_picture_gets_the_mask_of_the_picture_alone(scene, pads):
    img, gt = scene
    t, b, l, r = pads
    framed = _pad(img, t, b, l, r)
    h, w = framed.shape[:2]
    seg = Segmenter(_cfg(), still=True)
    alone = seg.mask(img).copy()
    seg.reset()
    alpha = seg.mask(framed)
    assert seg.box == (t, h - b, l, w - r)
    assert np.array_equal(alpha[t:h - b, l:w - r], alone)  # the same pixels judged the same way
    inside = np.zeros((h, w), bool)
    inside[t:h - b, l:w - r] = True
    assert not alpha[~inside].any()  # the bars are background
    assert iou(alone, gt) > 0.8
    # without the bar search the framed picture is judged with its bars (and differently)
    off = Segmenter(_cfg(bars=False), still=True).mask(framed)
    assert not np.array_equal(off[t:h - b, l:w - r], alone)


def test_mask_i420_leaves_the_bars_out_too(scene):
    img, _ = scene
    framed = _pad(img, 50, 50, 0, 0)
    yuv = cv2.cvtColor(framed, cv2.COLOR_BGR2YUV_I420)  # black: luma 16
    alone = Segmenter().mask_i420(cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420)).copy()
    seg = Segmenter()
    out = np.full(framed.shape[:2], 7, np.uint8)
    alpha = seg.mask_i420(yuv, out=out)
    assert alpha is out and seg.box == (50, 350, 0, 400)
    assert np.array_equal(alpha[50:350], alone)
    assert not alpha[:50].any() and not alpha[350:].any()


@pytest.mark.parametrize("kw", [dict(method="focus"), dict(refine="color")])
def test_mask_i420_served_in_bgr_finds_even_bars_for_the_i420_composite(scene, kw):
    """A method without a luma path of its own, or the colour refinement, serves an I420
    frame through BGR: its box must be even too, or apply_i420 refuses it (bars of odd
    depth: a film's 803 rows in 1080; a gray picture, so no chroma shows in the BGR bars)."""
    from livecut.composite import Compositor

    img, _ = scene
    gray = cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    yuv = cv2.cvtColor(_pad(gray, 41, 39, 0, 0), cv2.COLOR_BGR2YUV_I420)
    seg = Segmenter(_cfg(**kw))
    alpha = seg.mask_i420(yuv)
    assert seg.box == (42, 340, 0, 400)  # as the planes' path finds it
    assert not alpha[:42].any() and not alpha[340:].any()
    Compositor().apply_i420(yuv, alpha, box=seg.box)  # (raised FrameSizeError: "cut at even rows")


def test_the_baseline_keeps_its_bars():
    assert Segmenter(_cfg(method="canny"))._bars is None


def _frame(img, bottom_text=False, full=False, top=40, reaching=False):
    framed = _pad(img, top, 80 - top, 0, 0)
    if full:  # a picture with no bars
        framed = cv2.resize(img, framed.shape[1::-1])
    if bottom_text:  # a subtitle in the bottom bar: bright text over part of its rows
        cv2.putText(framed, "subtitle text here", (60, framed.shape[0] - 12), cv2.FONT_HERSHEY_SIMPLEX,
                    0.8, (235, 235, 235), 2)
        if reaching:  # (and a letter up to the picture's edge)
            cv2.line(framed, (40, framed.shape[0] - 12), (40, framed.shape[0] - (80 - top)), (235, 235, 235), 2)
    return framed


def test_video_keeps_its_box_through_subtitles_and_drops_it_when_the_picture_fills_the_frame(scene):
    img, _ = scene
    tr = BarTracker()
    assert tr.update(_frame(img)) == (40, 340, 0, 400)  # the first frame's bars at once
    with_text = _frame(img, bottom_text=True)
    assert find_bars(with_text) != (40, 340, 0, 400)  # the text reaches into the bottom bar
    assert bars_hold(with_text, (40, 340, 0, 400))
    for _ in range(ADOPT_FRAMES + 5):  # subtitles for a while: the box stays
        assert tr.update(with_text) == (40, 340, 0, 400)
    assert tr.update(_frame(img, full=True)) is None  # the picture fills the frame: at once


def test_i420_video_keeps_a_box_of_odd_bars_through_subtitles(scene):
    """In I420 the box is rounded inwards to even rows: one line of picture is left in each
    bar of odd depth, and must not count as the picture reaching into the bar."""
    from livecut.segment.bars import BAR_DARK_LUMA

    img, _ = scene
    h = 380
    plain = cv2.cvtColor(_pad(img, 41, 39, 0, 0), cv2.COLOR_BGR2YUV_I420)[:h]
    subbed = cv2.cvtColor(_pad(img, 41, 39, 0, 0), cv2.COLOR_BGR2YUV_I420)[:h]
    cv2.putText(subbed, "subtitle text here", (60, h - 12), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 235, 2)
    box = (42, 340, 0, 400)
    assert find_bars(plain, BAR_DARK_LUMA, even=True) == box
    assert find_bars(subbed, BAR_DARK_LUMA, even=True) != box
    assert bars_hold(plain, box, BAR_DARK_LUMA, even=True) and bars_hold(subbed, box, BAR_DARK_LUMA, even=True)
    tr = BarTracker()
    for i in range(ADOPT_FRAMES + 5):  # subtitles come and go: the box stays
        assert tr.update(subbed if i % 10 >= 5 else plain, BAR_DARK_LUMA, even=True) == box, i
    # ... and so do pillarbox bars of odd width
    side = cv2.cvtColor(_pad(img, 0, 0, 41, 39), cv2.COLOR_BGR2YUV_I420)[:300]
    assert bars_hold(side, find_bars(side, BAR_DARK_LUMA, even=True), BAR_DARK_LUMA, even=True)
    # the picture reaching into a bar still releases the box at once
    assert tr.update(cv2.cvtColor(cv2.resize(img, (400, 380)), cv2.COLOR_BGR2YUV_I420)[:h],
                     BAR_DARK_LUMA, even=True) is None


def test_video_takes_deeper_bars_only_once_they_last(scene):
    img, _ = scene
    tr = BarTracker()
    assert tr.update(_frame(img, top=40)) == (40, 340, 0, 400)
    deeper = _pad(img[20:280], 60, 60, 0, 0)  # a dark scene, or new framing: bars of 60
    boxes = [tr.update(deeper) for _ in range(ADOPT_FRAMES + CHECK_EVERY)]
    n = boxes.index((60, 320, 0, 400))  # frames with the old box
    assert ADOPT_FRAMES - 1 <= n <= ADOPT_FRAMES + CHECK_EVERY - 1
    assert set(boxes[:n]) == {(40, 340, 0, 400)} and set(boxes[n:]) == {(60, 320, 0, 400)}
    # a photo (still=True) takes each frame's own bars
    st = BarTracker(still=True)
    assert st.update(_frame(img)) == (40, 340, 0, 400)
    assert st.update(deeper) == (60, 320, 0, 400)


def test_video_that_begins_on_a_subtitle_takes_its_real_bars_between_subtitles(scene):
    """A film that began on a subtitle had its box taken without the rows of the bar the subtitle
    is in (the first frame's bars, at once); its real bars, found between subtitles, were sent back
    to the start of their ADOPT_FRAMES by each frame with a subtitle, and never taken while
    subtitles came back within a second: the bar and its subtitles were judged with the picture,
    and most of the bar's rows were in the mask, for the whole film.  Bars waiting to be taken keep
    waiting through frames where they hold as bars in use do (dark in most of every line)."""
    img, _ = scene
    plain, subbed = _frame(img), _frame(img, bottom_text=True, reaching=True)
    tr = BarTracker()
    first = tr.update(subbed)
    assert first is not None and first[1] > 340  # (the subtitle's rows in the picture)
    boxes = [tr.update(subbed if i % 30 >= 10 else plain) for i in range(90)]  # 10 frames plain, 20 subtitled
    assert boxes[-1] == (40, 340, 0, 400), set(boxes)
    assert boxes.index((40, 340, 0, 400)) <= ADOPT_FRAMES + CHECK_EVERY
    assert set(boxes[boxes.index((40, 340, 0, 400)):]) == {(40, 340, 0, 400)}  # (subtitles do not release it)
    # through the video pipeline's Segmenter: the bar's rows leave the mask
    from livecut.smooth import MaskSmoother

    seg = Segmenter(Config(), temporal=MaskSmoother(Config()))
    for i in range(91):
        alpha = seg.mask(subbed if i % 30 >= 11 or i == 0 else plain)
    assert seg.box == (40, 340, 0, 400) and not alpha[340:].any()

def test_video_bars_after_a_start_without_them_are_taken_once_they_last(scene):
    img, _ = scene
    tr = BarTracker()
    assert tr.update(_frame(img, full=True)) is None
    framed = _frame(img)
    for _ in range(ADOPT_FRAMES - 1):
        assert tr.update(framed) is None
    assert tr.update(framed) == (40, 340, 0, 400)
    tr.reset()
    assert tr.update(_frame(img, full=True)) is None


def test_video_bars_that_come_with_a_scene_cut_are_taken_at_once(scene):
    """Bars that came with a scene cut (a letterboxed film after a full-frame intro; a wider
    film's deeper bars) were taken only once they had lasted ADOPT_FRAMES frames, as a dark
    scene's edges are: the bars' edge judged a sharp subject for a second (a band of ~10 % of
    the frame in the mask).  A cut starts the smoothing anew in any case: they are taken at once
    (bars over a picture that stays still wait, see above)."""
    from livecut.smooth import MaskSmoother

    img, _ = scene
    other = make_scene("several", w=400, h=300, seed=5)[0]
    tr = BarTracker()
    for _ in range(3):
        assert tr.update(_frame(other, full=True)) is None
    assert tr.update(_frame(img)) == (40, 340, 0, 400)   # the cut: at once
    for _ in range(2):
        assert tr.update(_frame(img)) == (40, 340, 0, 400)
    assert tr._frame % CHECK_EVERY  # (a frame the held box's deeper bars were not looked for on)
    deeper = _pad(other[20:280], 60, 60, 0, 0)
    assert tr.update(deeper) == (60, 320, 0, 400)       # a cut to deeper bars: at once too
    # through the video pipeline's Segmenter: the picture alone is judged from the cut on
    seg = Segmenter(Config(), temporal=MaskSmoother(Config()))
    for _ in range(3):
        seg.mask(_frame(other, full=True))
    alpha = seg.mask(_frame(img))
    assert seg.box == (40, 340, 0, 400) and not alpha[:40].any() and not alpha[340:].any()


@pytest.mark.parametrize("pads", [(40, 40, 0, 0), (0, 0, 60, 60)])
def test_the_bars_of_a_picture_that_fades_in_from_black_are_taken_at_once(scene, pads):
    """A video that starts in black and fades in (as most films do): its black first frames tell
    no bars, and the bars found once the picture showed were taken only once they had lasted
    ADOPT_FRAMES frames, as a dark scene's edges are -- the fading picture judged with its bars,
    their edge a sharp subject: much of the picture in the mask for a second (a letterboxed 640x360
    clip fading in over 25 frames: 0.83 of the background; here 0.12-0.17).  Bars that frame the
    picture, found where none were in use since a frame dark all over, are taken at once, as a first
    frame's; a full-frame picture's dim edges as it fades in take no box."""
    from livecut.smooth import MaskSmoother

    img, gt = scene
    t, b, l, r = pads
    framed, truth = _pad(img, t, b, l, r), _pad(gt, t, b, l, r)
    h, w = truth.shape
    box = (t, h - b, l, w - r)
    seg = Segmenter(Config(), temporal=MaskSmoother(Config()))
    tr = BarTracker()
    boxes, background = [], []
    for i in range(26):
        frame = (framed.astype(np.float32) * (i / 25)).astype(np.uint8)  # (black, then 1 s of fade)
        boxes.append(tr.update(frame))
        alpha = seg.mask(frame)
        if i >= 6:
            background.append(float(np.mean(alpha[truth == 0] >= 128)))
    assert max(background) < 0.05, [round(v, 2) for v in background]
    first = next((i for i, v in enumerate(boxes) if v is not None), None)
    assert first is not None and first < 6, boxes
    assert all(v is not None and _inside(v, box) for v in boxes[first:]), boxes
    assert boxes[-1] == box and seg.box == box
    full = make_scene("basic", w=640, h=360, seed=0)[0]  # (a picture without bars: its dim edges were
    tr = BarTracker()                                    # found as bars on some of its first frames)
    for i in range(26):
        assert tr.update((full.astype(np.float32) * (i / 25)).astype(np.uint8)) is None, i

def test_a_letterboxed_clip_is_cut_out_as_the_picture_alone(scene):
    """Through the video pipeline's Segmenter (temporal smoothing, I420): the bars stay 0
    and the subject is found as without them."""
    from livecut.smooth import MaskSmoother

    img, gt = scene
    framed = _pad(img, 60, 60, 0, 0)
    seg = Segmenter(Config(), temporal=MaskSmoother(Config()))
    yuv = cv2.cvtColor(framed, cv2.COLOR_BGR2YUV_I420)
    for _ in range(8):
        alpha = seg.mask_i420(yuv)
    assert not alpha[:60].any() and not alpha[360:].any()
    assert iou(alpha[60:360], gt) > 0.8


# ---------------------------------------------------------------- the composite keeps the bars

@pytest.mark.parametrize("background", ["blur", "color:#00ff00", "image"])
def test_the_composite_keeps_the_bars_and_composites_the_picture_alone(scene, background, tmp_path):
    from livecut.composite import Compositor

    img, gt = scene
    if background == "image":
        pic = tmp_path / "bg.png"
        cv2.imwrite(str(pic), np.random.default_rng(1).integers(0, 256, (90, 160, 3), dtype=np.uint8))
        background = f"image:{pic}"
    framed = _pad(img, 50, 50, 0, 0, value=3)
    alpha = _pad(gt, 50, 50, 0, 0)
    box = (50, 350, 0, 400)
    out = Compositor(background=background).apply(framed, alpha, box=box).copy()
    alone = Compositor(background=background).apply(img, gt)
    assert np.array_equal(out[:50], framed[:50]) and np.array_equal(out[350:], framed[350:])
    assert np.array_equal(out[50:350], alone)
    # without the box the background runs over the bars (a blur darkens the picture's edges)
    whole = Compositor(background=background).apply(framed, alpha)
    assert not np.array_equal(whole[:50], framed[:50])


def test_the_i420_composite_keeps_the_bars_too(scene):
    from livecut.composite import Compositor

    img, gt = scene
    framed = _pad(img, 50, 50, 0, 0)
    yuv = cv2.cvtColor(framed, cv2.COLOR_BGR2YUV_I420)
    alpha = _pad(gt, 50, 50, 0, 0)
    out = Compositor().apply_i420(yuv, alpha, box=(50, 350, 0, 400)).copy()
    alone = Compositor().apply_i420(cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420), gt)
    y, ya = out[:400], alone[:300]
    assert np.array_equal(y[:50], yuv[:50]) and np.array_equal(y[350:400], yuv[350:400])
    assert np.array_equal(y[50:350], ya)
    # chroma: U and V are 200 x 200 each after the luma, packed two rows a row
    u = out[400:500].reshape(200, 200)
    u_alone = alone[300:375].reshape(150, 200)
    assert np.array_equal(u[25:175], u_alone)
    assert np.array_equal(u[:25], yuv[400:500].reshape(200, 200)[:25])
    with pytest.raises(Exception, match="even"):
        Compositor().apply_i420(yuv, alpha, box=(51, 349, 0, 400))


def test_a_letterboxed_clip_keeps_black_bars_through_the_cli(scene, tmp_path):
    import av

    from conftest import run_cli

    img, _ = scene
    src, dst = tmp_path / "lb.mp4", tmp_path / "out.mp4"
    framed = _pad(img, 60, 60, 0, 0)
    with av.open(str(src), "w") as c:
        vs = c.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.pix_fmt = framed.shape[1], framed.shape[0], "yuv420p"
        vs.options = {"crf": "16", "preset": "ultrafast"}
        for i in range(10):
            f = av.VideoFrame.from_ndarray(framed, format="bgr24")
            f.pts = i
            c.mux(vs.encode(f))
        c.mux(vs.encode(None))
    r = run_cli("file", str(src), "-o", str(dst))
    assert r.returncode == 0, r.stderr
    with av.open(str(dst)) as c:
        frames = [f.to_ndarray(format="gray") for f in c.decode(video=0)]
    assert len(frames) == 10
    for g in frames:  # the bars stay black; the blur did not spread the picture into them
        assert g[:56].max() <= 24 and g[364:].max() <= 24, (g[:56].max(), g[364:].max())


def test_transparent_margins_of_a_png_take_the_background_not_black(scene, tmp_path):
    """A PNG's transparent margins (black under alpha 0, as most editors store them) are
    found as bars; they are the background's, as before, not kept as black bars.  Opaque
    black bars of a PNG are still kept."""
    from livecut.config import load_config
    from livecut.images import process_images

    img, _ = scene
    bgra = _pad(cv2.cvtColor(img, cv2.COLOR_BGR2BGRA), 50, 50, 0, 0)  # (0, 0, 0, 0) margins
    cv2.imwrite(str(tmp_path / "logo.png"), bgra)
    opaque = bgra.copy()
    opaque[..., 3] = 255
    cv2.imwrite(str(tmp_path / "framed.png"), opaque)
    cfg = load_config(overrides=["composite.background=color:#00ff00"])
    report = process_images([str(tmp_path / "logo.png"), str(tmp_path / "framed.png")], tmp_path / "out",
                            cfg, mode="composite")
    assert report.written == 2, report.errors
    out = cv2.imread(str(tmp_path / "out" / "logo.png"))
    assert (out[:50] == (0, 255, 0)).all() and (out[350:] == (0, 255, 0)).all()
    out = cv2.imread(str(tmp_path / "out" / "framed.png"))
    assert not out[:50].any() and not out[350:].any()  # black bars of the picture: kept


def test_a_black_backdrop_is_not_kept_black_in_a_composite(scene, tmp_path):
    """A subject shot against a black backdrop: the backdrop's black bands along the sides are
    found as bars (only the picture inside is judged: harmless), but the composite kept them
    black, so `livecut image -b color:#ffffff` left two thirds of the backdrop black around a
    white rectangle (it was all white before the bar search). Bars are kept as they are only
    in pairs of the same depth on opposite sides, as letterbox and pillarbox put them."""
    from livecut.config import load_config
    from livecut.images import process_images

    img, gt = scene
    photo = img.copy()
    photo[gt == 0] = (8, 8, 8)
    cv2.imwrite(str(tmp_path / "studio.png"), photo)
    cfg = load_config(overrides=["composite.background=color:#ffffff"])
    report = process_images([str(tmp_path / "studio.png")], tmp_path / "out", cfg, mode="composite")
    assert report.written == 1, report.errors
    out = cv2.imread(str(tmp_path / "out" / "studio.png"))
    left_black = np.count_nonzero(out[gt == 0].max(axis=1) < 30) / np.count_nonzero(gt == 0)
    assert left_black < 0.05, left_black
    from livecut.segment.bars import framing

    assert framing((40, 340, 0, 400), 380, 400) == (40, 340, 0, 400)  # letterbox
    assert framing((42, 340, 0, 400), 380, 400) == (42, 340, 0, 400)  # (odd bars made even)
    assert framing((0, 300, 60, 460), 300, 520) == (0, 300, 60, 460)  # pillarbox
    assert framing((60, 234, 0, 288), 300, 400) is None                # a backdrop's bands


@pytest.mark.parametrize("bad", ["uint16", "float32", "bool", "1-D", "list"])
def test_bars_refuse_what_they_cannot_read_as_a_typed_error(bad):
    """find_bars, bars_hold and BarTracker.update raised cv2.error (16-bit, float, bool),
    ValueError (1-D) or AttributeError (a list) from inside."""
    from livecut.errors import ArrayError

    img = np.zeros((240, 320, 3), np.uint8)
    img = {"uint16": img.astype(np.uint16), "float32": img.astype(np.float32),
           "bool": img[:, :, 0] > 0, "1-D": img[0, :, 0], "list": img.tolist()}[bad]
    for call in (lambda: find_bars(img), lambda: bars_hold(img, (40, 200, 0, 320)),
                 lambda: BarTracker().update(img)):
        with pytest.raises(ArrayError, match="uint8"):
            call()


@pytest.mark.parametrize("box, error", [((40, 200, 0), "whole numbers"), (("40", "200", "0", "320"), "whole numbers"),
                                        ((40.5, 200, 0, 320), "whole numbers"),
                                        ((False, True, False, True), "whole numbers"),
                                        (np.array([False, True, False, True]), "whole numbers"),
                                        ((40, 200, 0, 999), "not inside"), ((-4, 200, 0, 320), "not inside"),
                                        ((200, 40, 0, 320), "not inside"), ((40, 40, 0, 320), "not inside")])
def test_bars_hold_and_framing_check_the_box(box, error):
    """bars_hold and framing took any box: booleans as 0 and 1, a box outside the image or
    upside down (framing gave an inverted one back as framed), and raised a bare ValueError
    (three values) or TypeError (strings)."""
    from livecut.errors import ArrayError, FrameSizeError
    from livecut.segment.bars import framing

    img = np.zeros((240, 320, 3), np.uint8)
    img[40:200] = 100
    for call in (lambda: bars_hold(img, box), lambda: bars_hold(img, box, even=True),
                 lambda: framing(box, 240, 320)):
        with pytest.raises(ArrayError, match=error) as e:
            call()
        assert isinstance(e.value, FrameSizeError) == (error == "not inside")
    # whole numbers of any kind stand (framing gives Python ints back, as find_bars finds them)
    found = find_bars(img)
    assert found == (40, 200, 0, 320) and all(type(v) is int for v in found)
    for ok in (np.array(found), np.array(found, np.uint16), [float(v) for v in found], found):
        assert bars_hold(img, ok)
        got = framing(ok, 240, 320)
        assert got == found and type(got) is tuple and all(type(v) is int for v in got)


def test_bars_of_a_bgra_image_are_found_by_its_colour():
    """An opaque BGRA picture's alpha (255 in the bars too) hid every bar: None."""
    rng = np.random.default_rng(0)
    img = rng.integers(60, 255, (240, 320, 3), np.uint8)
    img[:40] = 0
    img[-40:] = 0
    bgra = cv2.cvtColor(img, cv2.COLOR_BGR2BGRA)
    assert find_bars(bgra) == find_bars(img) == (40, 200, 0, 320)
    assert bars_hold(bgra, (40, 200, 0, 320))
    assert BarTracker().update(bgra) == (40, 200, 0, 320)


def test_an_i420_frame_after_a_bgr_one_gets_an_even_box(scene):
    """One video Segmenter given a BGR frame, then the I420 frames of the same picture (bars
    of odd depth): the odd box found for the BGR frame was kept (its bars hold), so
    Compositor.apply_i420(..., box=seg.box) refused it ("I420 frames are cut at even rows")
    and mask_i420 cut the chroma planes half a line off the luma."""
    from livecut.composite import Compositor

    img, _ = scene
    framed = _pad(img, 41, 39, 0, 0)
    yuv = cv2.cvtColor(framed, cv2.COLOR_BGR2YUV_I420)
    seg = Segmenter()
    seg.mask(framed)
    assert seg.box == (41, 341, 0, 400)
    for _ in range(3):
        alpha = seg.mask_i420(yuv)
        assert seg.box == (42, 340, 0, 400)
        Compositor(background="color:#00b140").apply_i420(yuv, alpha, box=seg.box)
    seg.mask(framed)  # (a BGR frame: its own box again, to the pixel)
    assert seg.box == (41, 341, 0, 400)


@pytest.mark.parametrize("still", [True, False])
def test_bars_leaving_a_picture_too_long_for_the_network_judge_the_whole_frame(still):
    """A 6500x80 frame (which focusnet takes) with bars of 28 rows above and below: the picture
    between them, 6500x24, is too long for its width for the network's cues; it was refused,
    "image is 6500x24: too long for its width" (`livecut file`: at the first frame of a video it
    had taken, naming a size it does not have). The whole frame is judged instead."""
    rng = np.random.default_rng(0)
    frame = np.zeros((80, 6500, 3), np.uint8)
    frame[28:52] = rng.integers(30, 256, (24, 6500, 3), dtype=np.uint8)
    seg = Segmenter(still=still)
    assert find_bars(frame) == (28, 52, 0, 6500)  # (bars there are)
    alpha = seg.mask(frame)
    assert alpha.shape == (80, 6500) and seg.box is None
    framed = np.zeros((300, 400, 3), np.uint8)  # (one the network takes between its bars keeps them)
    framed[60:240] = rng.integers(30, 256, (180, 400, 3), dtype=np.uint8)
    seg.mask(framed)
    assert seg.box == (60, 240, 0, 400)


def test_a_video_that_begins_on_a_subtitle_in_its_bar_takes_the_whole_bar_at_once(scene):
    """A letterboxed film that begins on a subtitle (white text in the bottom bar for its first
    2 s): the first frame's bars were taken at once, the bottom one only below the letters, and
    the real bars only once frames without the subtitle had lasted ADOPT_FRAMES frames (some
    3 s): the rest of the bar and the subtitle were judged with the picture, in the mask.  A bar
    whose letters are clear of the picture is taken as deep as the bar facing it, at once; a
    picture under a bar on one side only keeps its rows (a dark one too, that reaches the bar)."""
    from livecut.segment.bars import BAR_DARK_LUMA
    from livecut.smooth import MaskSmoother

    img, _ = scene
    plain, subbed = _frame(img), _frame(img, bottom_text=True)
    assert find_bars(subbed)[1] > 340  # (the bar below the letters only)
    tr = BarTracker()
    boxes = [tr.update(subbed if i < 50 else plain) for i in range(80)]
    assert set(boxes) == {(40, 340, 0, 400)}
    seg = Segmenter(Config(), temporal=MaskSmoother(Config()))
    for i in range(3):
        alpha = seg.mask(subbed)
        assert seg.box == (40, 340, 0, 400) and not alpha[340:].any(), i
    # in I420, of a bar of odd depth, and at the top of a window box's side bars
    y = cv2.cvtColor(_pad(img, 41, 39, 0, 0), cv2.COLOR_BGR2YUV_I420)[:380]
    cv2.putText(y, "subtitle text here", (60, 380 - 12), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 235, 2)
    assert BarTracker().update(y, BAR_DARK_LUMA, even=True) == (42, 340, 0, 400)
    logo = _pad(img, 0, 0, 50, 50)
    cv2.rectangle(logo, (10, 10), (30, 40), (235, 235, 235), -1)
    assert BarTracker().update(logo) == (0, 300, 50, 450)
    # a bar on one side only: the picture under it stays (its own dark rows next to the other side too)
    top_only = _pad(img, 40, 0, 0, 0)
    assert BarTracker().update(top_only) == (40, 340, 0, 400)
    dark_foot = top_only.copy()
    dark_foot[-40:] //= 8
    cv2.putText(dark_foot, "bright", (60, 340 - 2), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (235, 235, 235), 2)
    assert BarTracker().update(dark_foot)[1] == 340
    black_foot = top_only.copy()
    black_foot[-40:] = 0
    cv2.putText(black_foot, "bright", (60, 340 + 4), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (235, 235, 235), 2)
    assert BarTracker().update(black_foot)[1] == 340  # (no bar along the frame's edge there)
