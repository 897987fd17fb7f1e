"""The default method, ``focusnet``: focus cues measured where the detail is, judged by a small network.

1. **Cues at native resolution** (:mod:`livecut.segment.cues`): gradient statistics
   of the gray frame at its own size, or an integer reduction of it no coarser than
   1000 px, pooled to a grid of about 256 px -- where a 2-3 px defocus still shows.
   A frame softer at pixel scale than any photo the network was fitted on (an
   enlarged picture, a soft camera: see ``COARSE_P99``) is measured again at half
   that resolution, where its detail shows at a scale the network knows.
2. **A small network** (``livecut/models/focusnet.onnx``, 160k parameters, run by
   OpenCV's ``cv2.dnn``: no other runtime) takes the frame's colours and those cues
   at the grid and returns the in-focus probability.  Its deepest features are
   averaged over the whole frame and added back everywhere, so each frame's
   decision is made relative to its own statistics, not to fixed levels.  It was
   trained by ``tools/train_engine.py`` on a fixed training split of the CUHK
   defocus benchmark, with every photo seen at five pixel scales (0.5x-3x), so
   that the same scene gives the same mask as a photo or as an HD frame.  A frame whose
   sharpest detail is soft (``SOFT_P99``: a soft camera, an enlarged picture) goes to a
   second network of the same shape (``focusnet_soft.onnx``), fitted on softened copies
   of the photos too (``segment.soft``); a frame with strong sensor noise (``NOISY_LEVEL``,
   ``NOISY_LEVEL_REDUCED`` for HD photos, ``NOISY_LEVEL_VIDEO`` and
   ``NOISY_LEVEL_VIDEO_REDUCED`` for video frames:
   a camera in low light) to a third (``focusnet_noisy.onnx``), fitted with stronger
   noise (``segment.noisy``).
3. **Whole-frame cases** (:meth:`FocusNetMethod._frame_state`): when the network
   keeps (nearly) nothing and the cues confirm that no part of the frame shows sharp
   detail (the 99th percentile of the re-blur ratio stays where a 4 px disk blur
   leaves it; in video the network's judgement alone, see ``VIDEO_ALONE``), the frame
   is "all-blurred": nothing is kept, and video holds the last
   mask (see :class:`livecut.smooth.MaskSmoother`); so is a video frame softer than any
   photo the network was fitted on whose kept region is no sharper than the rest
   (``NO_DETAIL_P99``: a defocused background alone); when the network keeps nearly
   the whole frame, it is "all-sharp" and kept whole.  The network was trained with
   such frames (synthetic textures sharp all over, photos blurred all over).
4. The probability, resampled to the working size, is the alpha; the
   :class:`~livecut.segment.Segmenter` refines it to full resolution against the
   full-size image.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from livecut.config import SegmentConfig
from livecut.errors import ImageSizeError, LivecutError
from livecut.resize import resize_map
from livecut.segment.cues import N_CUES, NET_SIDE, CueExtractor
from livecut.segment.focus import select_components
from livecut.segment.guided import ColorGuidedFilter
from livecut.segment.registry import register_method

#: the shipped network
MODEL_NAME = "focusnet.onnx"
#: ``segment.model`` -> file (each with its provenance beside it, same stem, .json)
MODEL_FILES = {"standard": MODEL_NAME, "small": "focusnet_small.onnx", "ensemble": MODEL_NAME}
#: ``segment.model = ensemble`` (the ``quality`` preset): the standard network and these two,
#: of its shape, fitted on the same photos with pasted subjects (``tools/train_engine.py
#: --paste``), judge each frame together, their logits averaged: three times the network time.
#: None of the three is better than the others beyond the spread between training runs of
#: one recipe; their average is (see the README's Training)
ENSEMBLE_MODELS = ("focusnet_ens1.onnx", "focusnet_ens2.onnx")
#: the second network (the standard one's shape), fitted on the same photos and also on
#: softened versions of them (``tools/train_engine.py --soft 1``): it judges frames softer at
#: pixel scale than photos usually are (see SOFT_P99), whichever ``segment.model`` judges the rest
SOFT_MODEL = "focusnet_soft.onnx"
#: the third network (the standard one's shape), fitted with more and stronger sensor noise
#: (``tools/train_engine.py --noise-sigmas 0,0,0,1.5,3,6,10``): it judges frames whose noise
#: level is FocusNetMethod.noisy_level() or more (segment.noisy: NOISY_LEVEL and
#: NOISY_LEVEL_REDUCED for photos, NOISY_LEVEL_VIDEO and NOISY_LEVEL_VIDEO_REDUCED for video), whichever
#: ``segment.model`` judges the rest
NOISY_MODEL = "focusnet_noisy.onnx"


def resolve_model(model: str, still: bool) -> str:
    """``segment.model`` as it runs: ``auto`` is the ensemble for still images (photos: three
    networks cost 2-7 ms more a photo, and on the 40 tuning photos they score IoU 0.710 / 0.777 /
    0.776 / 0.743 at x0.5-x3 against the standard network's 0.687 / 0.759 / 0.757 / 0.738) and
    the standard network for video (a frame's time matters there)."""
    if model == "auto":
        return "ensemble" if still else "standard"
    return model


#: every network shipped in the package
SHIPPED = (*dict.fromkeys(MODEL_FILES.values()), SOFT_MODEL, NOISY_MODEL, *ENSEMBLE_MODELS)
#: regularisation of the colour edge snap (segment.snap)
SNAP_EPS = 1e-3
#: the edge snap's coefficients are solved at the working size reduced by this (a fast guided
#: filter; the product with the guide stays at the working size): by 2, 1.2 ms instead of 4.5 at
#: 320x180, the same IoU on the tuning photos; by 4 (80x45), 0.3-0.5 ms less again (livecut bench,
#: alternated runs), the tuning photos' IoU the same to 0.001 (x1/x2, photos and video frames)
#: and the shipped clips' metrics too (tools/video_metrics.py: flicker, rack focus, pan)
SNAP_SUBSAMPLE = 4
#: a frame whose mask covers more than this share is taken as wholly in focus
ALL_SHARP_SHARE = 0.92
#: a frame of which the network keeps at most this share is wholly defocused if the
#: 99th percentile of the (log) re-blur ratio over its cells also stays below
#: ALL_BLURRED_P99: a disk blur of radius >= 4 px (at cue resolution) stays at or below
#: 0.51, each of the 120 first training photos of cuhk-native is at 0.64 or above
ALL_BLURRED_SHARE = 0.01
ALL_BLURRED_P99 = 0.56
#: the coarse level: a frame whose sharpest detail at the cue resolution (the 99th
#: percentile of the re-blur ratio) stays below COARSE_P99 is softer at pixel scale than
#: any photo the network was fitted on, at the largest scales it was fitted at (x1.5 and
#: x3: the lowest of the 360 fitting photos of cuhk-native are 0.361 and 0.344) -- an
#: enlarged picture, a soft camera.  Its cues are measured again at half the cue
#: resolution, where such detail shows at the scale the network knows, provided the grid
#: keeps its full size there (a long side of at least COARSE_MIN_SIDE cue pixels).  The
#: whole-frame cases are still decided on the cue resolution's own level.
COARSE_P99 = 0.34
COARSE_MIN_SIDE = NET_SIDE
#: soft frames (segment.soft): a frame whose sharpest detail (the same 99th percentile)
#: stays below SOFT_P99 is judged by the soft network (SOFT_MODEL).  A photo reduced 1.5-2.5x
#: and enlarged back to its size (a soft camera, an enlarged small picture) falls there;
#: the standard network, never fitted on such frames, loses much of their subject (40
#: tuning photos softened 2x: IoU 0.578 against 0.696 with the soft network; 2.5x: 0.330
#: against 0.577), the soft one is 0.01-0.02 worse on photos as they are.  The level was
#: chosen on the tuning photos (11 conditions: as they are at x0.5-x3, softened 1.5x, 2x
#: and 2.5x at x1 and x2): the mean IoU over them is 0.688 / 0.691 / 0.692 at 0.9 / 1.0 / 1.1
#: (the standard network alone 0.622, the soft one alone 0.692); 1.0, the middle, keeps the
#: photos as they are at x1 and x2 at the standard network's level.  The validation photos
#: took no part.  (Frames measured at the coarse level, below COARSE_P99,
#: are below this level too: they go to the soft network, which is how their scores were
#: measured.)
SOFT_P99 = 1.0
#: a frame the network keeps whole (ALL_SHARP_SHARE) is judged again at the coarse level
#: where that fits: sensor noise over the whole frame looks sharp at pixel scale, and is
#: halved there, while a frame really sharp all over stays so.  Measured on the tuning
#: photos with Gaussian noise of sigma 8 / 12 added at x1: IoU 0.538 -> 0.582 / 0.396 ->
#: 0.511 (all-sharp on 8 / 22 of the 40 before, 0 after); as they are, and at x2
#: (reduced by 2 for the cues, the noise halved already), unchanged or within 0.01
AGAIN_COARSE = True
#: video: the network changes only when the level is crossed by this much (no back and
#: forth between the two on a frame near the level): the band 0.9-1.1 is the plateau
#: where the tuning score does not depend on the level
SOFT_HYSTERESIS = 0.1
#: noisy frames (segment.noisy): a photo whose noise level (CueExtractor.noise(), about 1.3x
#: the noise sigma at the cue resolution) is at least NOISY_LEVEL goes to the noisy network
#: (NOISY_MODEL).  Chosen on the 40 tuning photos as video frames, with noise of sigma 0, 4,
#: 8 and 12 added at x1 and x2 (8 conditions; levels 6-10 tried: mean IoU 0.712 / 0.711 /
#: 0.712 / 0.707 / 0.706; the standard network alone 0.674, the noisy one alone about
#: 0.704).  8, of the best three the one that keeps the photos as they are nearest the
#: standard network's level: 0.760 / 0.759 at x1 / x2 against 0.762 / 0.760 (a photo textured
#: all over measures as noisy); sigma 8 at x1 0.686 (0.577), sigma 12 at x1 / x2 0.664 /
#: 0.678 (0.517 / 0.611), sigma 4 at x1 0.704 (0.717).  The validation photos took no
#: part.  Soft frames go to the soft network first.
NOISY_LEVEL = 8.0
#: ... and NOISY_LEVEL_REDUCED for a frame whose cue resolution is reduced from it (a cue
#: factor of 2 or more: an HD frame; the reduction averages the noise down before it is
#: measured).  Chosen on the 40 tuning photos as video frames at x2 and x3 (cue factor 2),
#: with no noise, sensor noise of sigma 4, 8 and 12, and sigma 8 and 12 through JPEG at
#: quality 75 and 50 (8 conditions each): mean IoU at x2 for levels 4 / 5 / 6 / 7 / 8
#: 0.705 / 0.707 / 0.711 / 0.705 / 0.705, at x3 for 6 / 8 0.691 / 0.682; at x2 the photos as
#: they are 0.757 against 0.759 and sigma 4 0.736 against 0.748, sigma 8 0.713 against 0.695,
#: through JPEG 50 0.716 against 0.697.  At x1 (cue factor 1) the levels 4-6 sent textured
#: clean photos to the noisy network (0.740-0.746 against 0.760) and changed no noisy
#: condition: NOISY_LEVEL stays there.  The validation photos took no part.  Photos; video
#: frames: NOISY_LEVEL_VIDEO_REDUCED.
NOISY_LEVEL_REDUCED = 6.0
#: ... and NOISY_LEVEL_VIDEO for a video frame at a cue factor of 1 (up to about 1000 px:
#: 640x360, 640x480, 960x540).  Video is recorded through a codec, which wipes the sensor
#: noise out of flat regions -- where the noise level is read -- and leaves it, blotchy, over
#: the detail, where the standard network takes it for focus: sigma 8 through H.264 crf 23
#: reads 3-8 at 640x360 (median 5), and the mask spread into the blurred background (IoU
#: 0.57 against 0.68 with the noisy network).  Chosen on the 40 tuning photos: as 40-frame 640x360 clips
#: (tools/clip_metrics.py --size 640x360 --split tune --photos 20, still and pan) with no
#: noise, sensor noise of sigma 2.5, 4 and 8, and sigma 2.5, 5 and 8 through H.264 crf 23 and
#: 12 through crf 28 (8 conditions), and as video frames at x1 in NOISY_LEVEL_REDUCED's 8
#: conditions; mean IoU for levels 0 / 2 / 3 / 4 / 5 / 8: clips 0.695 / 0.695 / 0.693 /
#: 0.689 / 0.680 / 0.657, frames 0.687 / 0.687 / 0.688 / 0.689 / 0.690 / 0.687, both 0.691 /
#: 0.691 / 0.691 / 0.689 / 0.685 / 0.672.  3, of the best three the one that keeps the clean
#: photos as frames nearest the standard network's score: 0.734 against 0.760 (0.725 at 0),
#: while the clean clips gain (0.747 against 0.730) and those of sigma 8 through crf 23 most
#: (0.683 against 0.569).  Photos keep NOISY_LEVEL.  The validation photos took no part.
NOISY_LEVEL_VIDEO = 3.0
#: ... and NOISY_LEVEL_VIDEO_REDUCED for an HD video frame (a cue factor of 2 or more),
#: chosen as NOISY_LEVEL_VIDEO was: the same 8 clip conditions at 1280x720
#: (tools/clip_metrics.py --split tune --photos 20, still and pan), mean IoU for levels 3 / 4
#: / 6 0.748 / 0.748 / 0.736 (every condition gains or ties), NOISY_LEVEL_REDUCED's frames at
#: x2 and x3 0.695 / 0.696 / 0.701 (the photos as they are at x2 0.732 / 0.737 / 0.757), both
#: 0.721 / 0.722 / 0.718: 4.  The validation photos took no part.
NOISY_LEVEL_VIDEO_REDUCED = 4.0
#: video: the noisy network is left only when the level falls this much below its level
#: (noisy_level()), and taken only when it rises this much above it (the level moves in about whole steps:
#: cells' means are whole levels, the 10th percentile is interpolated between two of them)
NOISY_HYSTERESIS = 1.0
#: a frame judged by the noisy network that keeps at most ALL_BLURRED_SHARE is all blurred
#: without the re-blur ratio's confirmation (noise keeps it high)
NOISY_ALONE = True
#: a video frame of which any network keeps at most ALL_BLURRED_SHARE is all blurred without
#: the re-blur ratio's confirmation: sensor noise under the noisy network's level (sigma 1 at
#: 640x480, a camera in daylight) kept the ratio over ALL_BLURRED_P99 on a frame blurred all
#: over (a focus hunt, disk radius 8: 0.94-1.06), the frame was a "subject" of an empty mask
#: and the picture blanked at once where the last mask is held (smooth.hold).  Wrongly taken
#: (a sharp frame the network keeps nothing of), the last mask is held for smooth.hold frames
#: at most, a scene cut ends it at once.  Photos keep the confirmation (their note says which)
VIDEO_ALONE = True
#: a video frame whose sharpest detail stays below NO_DETAIL_P99 (the coarse level's COARSE_P99:
#: softer at pixel scale than any photo the network was fitted on) and of which the network keeps
#: a region no sharper than the rest of the frame (the 90th percentile of the re-blur ratio over
#: the cells it keeps at most NO_DETAIL_MARGIN above that of the others, and their median too)
#: is all blurred whatever share it keeps.  make_samples' defocused backgrounds alone (a disk
#: blur of 9 px, the level 0.22-0.31): the network kept a blurred shape's edge, 1-24 % of the
#: frame, on 14 of 60 (seeds 1-60), on 1 now -- shown over the empty background a subject had
#: walked out of, 0.6 s after it left, as the still frames' judgements averaged in.  The kept
#: region's median there is the rest's (both at the ratio's floor) and its 90th percentile up to
#: 0.004 above it as judgements are averaged; a soft subject's is higher: the 500 cuhk-native
#: photos softened (evaluate.soften) 3x / 4x / 5x as video frames (56 / 417 / 483 of them below the
#: level) lose their subject on 0 / 3 / 11 (mean IoU 0.4326 / 0.5282 / 0.4749 -> 0.4326 / 0.5259
#: / 0.4676; 0.01 on the median too: 5 / 38), those softened less or enlarged on none; photos
#: (``still``) are judged as before
NO_DETAIL_P99 = COARSE_P99
#: (median, 90th percentile): see NO_DETAIL_P99
NO_DETAIL_MARGIN = np.array([0.002, 0.01])
#: video, a still scene judged again (its reuse ran out, segment.still, and it is still
#: still): the new probability is averaged with the last judgement, this being the old
#: one's weight.  Sensor and codec noise make each judgement of the same scene differ; the
#: mask jumped at each of them.  0.5, by reasoning: a change too small for the still check
#: (STILL_SHARE) is still taken halfway at the first judgement that sees it (segment.still
#: + 1 frames, 0.16 s at 25 fps), and a change it sees is judged alone.  Measured after the
#: choice, 10 tuning photos as 40-frame still 720p clips (tools/clip_metrics.py --split
#: tune --photos 10 --kinds still): flicker 0.00043 -> 0.00031 with sensor noise sigma 2.5,
#: 0.00134 -> 0.00096 with sigma 8 through H.264 crf 23, IoU within 0.001; the shipped clips'
#: metrics (tools/video_metrics.py) unchanged, a rack focus over 2 or 4 s followed as soon
#: (the image changes while focus moves: no averaging then)
STILL_AVERAGE = 0.5
#: video, a still scene (segment.still): a working-size pixel has changed when its gray
#: differs by at least this many levels from the last judged frame (the working image
#: averages 3-6 frame pixels per side, so sensor and codec noise stay well below it) ...
STILL_LEVEL = 8
#: ... and the scene is still while at most this share of the pixels has changed (0.2 %:
#: a patch of about 10 x 10 working-size pixels, a hand's width in an HD frame), nor anywhere
#: in the subject the last frame kept where the change's mean over 3x3 pixels reaches STILL_LEVEL
#: (a hand that waves, 14 px at 640x360, changed 0.1 % of them: the judgement was served again, the
#: hand's mask left where it had been for up to segment.still frames; noise that changes under 0.2 %
#: of the pixels by STILL_LEVEL averages a few levels over 3x3; a small light blinking in the
#: background, where nothing is kept, leaves the scene still)
STILL_SHARE = 0.002
#: video, segment.every: a frame between judged ones whose gray differs from the judged
#: frame's, moved by the optical flow, by more than this many levels on average is judged
#: anew -- no motion explains it (a scene cut), and the old scene's judgement would be its
#: mask until the next judged frame.  The shipped clips stay under 6 (pan 5.8, moving 4.6,
#: rack focus 5.1 at segment.every = 8); a cut between two defocused textured scenes of
#: the same mean gray gives 14.5
FOLLOW_LOST = 10.0
#: ... and the flow is found only where the working size is at least this many pixels on each
#: side: OpenCV's DIS (5.0 and 5.1) crashes the process on a smaller or a wide, low picture
#: (16x128, 24x512, 17x100; a 32x640 video in the fast preset was a segmentation fault, exit
#: 139, without a word); from 32 rows and columns every size tried, 32x5000 to 5000x32, is
#: sound.  A smaller frame between judged ones is judged anew
FOLLOW_MIN_SIDE = 32


#: segment.grabcut (photos by default): the uncertain band of a judgement -- probabilities from
#: GRABCUT_LO to GRABCUT_HI -- is settled by colour: OpenCV's GrabCut at the working size, its two
#: colour models (five Gaussians each) fitted on what the network is sure of and on the band as
#: it decided it, then one graph cut that follows the image's own colour edges.  Outside the band
#: the network's decision stands (a same-coloured region at another depth, which a global
#: colour model would take, is in the band only where the network was unsure of it).  The band's
#: alpha is the cut's, its edge softened over about a pixel of the working size
#: (GRABCUT_SOFTNESS); the full-size refinement follows as before.  Chosen on the 40 tuning photos
#: (photo settings, x1; the band 0.05-0.95 / 0.1-0.9 / 0.2-0.8 / 0.3-0.7 with 1, 2 and 4 GrabCut
#: iterations: IoU 0.778-0.779 / 0.791 / 0.793-0.794 / 0.791 against 0.776 without; x2 alike):
#: 0.2-0.8, one iteration, the cheapest of the best.  So made, on the tuning photos at x0.5 / x1
#: / x2 / x3: 0.710 / 0.776 / 0.775 / 0.744 -> 0.729 / 0.796 / 0.792 / 0.751 (`livecut eval ...
#: :tune --scales 0.5,1,2,3 --set segment.grabcut=off`, then on); softened 2x 0.699 -> 0.708,
#: noise sigma 8 at x1 / x2 0.686 / 0.717 -> 0.697 / 0.728, JPEG 30 0.751 -> 0.750; on the 360
#: fitting photos at x1 / x2 0.819 / 0.814 -> 0.827 / 0.824.  The validation photos took no
#: part.  About 40 ms a photo at the working size (320 px), whatever the photo's size: for still
#: images, not video (segment.grabcut = auto)
GRABCUT_LO = 0.2
GRABCUT_HI = 0.8
GRABCUT_ITERATIONS = 1
#: GrabCut is run only with at least this many working-size pixels on each side of the decision
#: (its colour models are five Gaussians each: fewer pixels cannot fit them)
GRABCUT_MIN_PIXELS = 25
#: the seed of OpenCV's random generator for GrabCut's k-means (the same photo, the same cut)
GRABCUT_SEED = 1
#: around a subject dropped for its size (segment.min_area, segment.keep), the soft alpha below the
#: cut within 3 working-size pixels goes too: six times GRABCUT_SOFTNESS, past which its blurred
#: edge is under 1 % (the network's own soft edge, within 0.5 / segment.gain of the threshold, is
#: a pixel or two)
DROPPED_FRINGE = np.ones((7, 7), np.uint8)
#: the band's alpha is GrabCut's cut softened by a Gaussian of this sigma (working-size pixels):
#: the cut itself is hard.  At 1.0 the softened edge reached 2-3 working-size pixels each side,
#: 5 px and more of partial alpha beyond the true boundary of a photo twice the working size (a
#: grey halo outside a cup on plain ground); the colour refinement to full size makes the soft
#: edge that follows the picture's own edges (hair, fur) whatever this is.  On the 40 tuning
#: photos (`livecut eval ... --subset livecut/models/cuhk_split.json:tune --scales 1,2`), IoU /
#: MAE at x1 and x2: sigma 1.5 0.7934 / 0.0894, 0.7926 / 0.0876; 1.0 0.7936 / 0.0885, 0.7928 /
#: 0.0866; 0.75 0.7943 / 0.0879, 0.7934 / 0.0860; 0.5 0.7942 / 0.0874, 0.7933 / 0.0855; 0.25
#: (about none) 0.7940 / 0.0871, 0.7932 / 0.0853.  0.5, half a working-size pixel: of the flat
#: best (within 0.0003), the one that keeps a soft edge where the colours show none.  The
#: validation photos took no part
GRABCUT_SOFTNESS = 0.5


def model_path(name: str = MODEL_NAME) -> Path:
    return Path(str(resources.files("livecut") / "models" / name))


def load_net(path: Path | None = None) -> cv2.dnn.Net:
    path = path or model_path()
    if not path.is_file():
        raise LivecutError(f"the focusnet model is missing ({path}); reinstall livecut")
    if int(cv2.__version__.split(".")[0]) < 5:  # (its ONNX importer cannot read the folded joins)
        raise LivecutError(f"OpenCV {cv2.__version__} cannot run the focus network: livecut needs "
                           "OpenCV 5 or later (pip install -U 'opencv-python>=5'); "
                           "segment.method=focus or canny runs without it")
    try:
        net = cv2.dnn.readNetFromONNX(str(path), **_engine())
    except cv2.error as e:
        raise LivecutError(f"the focusnet model {path} cannot be read ({_first_line(e)}); "
                           "reinstall livecut") from e
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    return net


def _engine() -> dict:
    """The ``engine=`` that reads the network with OpenCV's own layers: OpenCV 5.0 has two
    (its classic one runs this small graph ~10 % faster than the new one), 5.1 keeps one,
    named ENGINE_OPENCV (its ENGINE_AUTO could pick ONNX Runtime where OpenCV is built with
    it).  Both give the same logits (within 2e-5, measured on the shipped networks)."""
    for name in ("ENGINE_CLASSIC", "ENGINE_OPENCV"):
        if hasattr(cv2.dnn, name):
            return {"engine": getattr(cv2.dnn, name)}
    return {}


class Ensemble:
    """Networks that judge as one (``segment.model = ensemble``): each is given the same
    input, and their logits are averaged.  Otherwise (layers, parameters) the first one."""

    def __init__(self, nets: list[cv2.dnn.Net]):
        self.nets = nets

    def setInput(self, blob: np.ndarray) -> None:  # noqa: N802  (cv2.dnn.Net's name)
        for net in self.nets:
            net.setInput(blob)

    def forward(self) -> np.ndarray:
        out = self.nets[0].forward()
        for net in self.nets[1:]:
            cv2.add(out, net.forward(), dst=out)
        out *= 1.0 / len(self.nets)
        return out

    def __getattr__(self, name: str):
        return getattr(self.nets[0], name)


def _first_line(e: Exception) -> str:
    """The first line of an OpenCV error's message that says what went wrong."""
    lines = [ln.strip(" >") for ln in str(e).splitlines() if ln.strip(" >")]
    return next((ln for ln in lines if "error:" in ln), lines[0] if lines else type(e).__name__)


def input_channels(path: Path) -> int:
    """The number of input channels the network in ``path`` takes, as its ONNX graph declares
    its input (read from the file: OpenCV 5.1's engine keeps no weights a layer would show,
    and runs an input of any channel count without a word)."""
    try:
        dims, _ = onnx_graph(path)
        channels = dims[1]
    except (OSError, ValueError, IndexError) as e:
        raise LivecutError(f"the focusnet model {path} cannot be read ({e}); reinstall livecut") from e
    if not isinstance(channels, int):
        raise LivecutError(f"the focusnet model {path} does not say its input channels; reinstall livecut")
    return channels


def onnx_graph(path: Path) -> tuple[list[int | str], list[tuple[str, str]]]:
    """What the ONNX file ``path`` says of its graph, read without the onnx package: the
    dimensions of its input (an int, or the name of a free one) and its nodes, ``(op_type,
    name)`` in order.  ModelProto.graph is field 7; GraphProto.node 1, .initializer 5,
    .input 11; NodeProto.name 3, .op_type 4; ValueInfoProto.type 2 -> TypeProto.tensor_type 1
    -> .shape 2 -> .dim 1 -> Dimension.dim_value 1 or .dim_param 2; TensorProto.name 8."""
    data = memoryview(Path(path).read_bytes())
    graph = next((v for f, v in _fields(data) if f == 7), None)
    if graph is None:
        raise ValueError("no graph")
    nodes, weights, inputs = [], set(), []
    for f, v in _fields(graph):
        if f == 1:
            node = dict(_fields(v))
            nodes.append((bytes(node.get(4, b"")).decode(), bytes(node.get(3, b"")).decode()))
        elif f == 5:
            weights.add(bytes(dict(_fields(v)).get(8, b"")).decode())
        elif f == 11:
            inputs.append(v)
    for value in inputs:  # (older exports list the weights among the inputs too)
        info = dict(_fields(value))
        if bytes(info.get(1, b"")).decode() in weights:
            continue
        tensor = dict(_fields(dict(_fields(info.get(2, b""))).get(1, b"")))
        dims = []
        for f, dim in _fields(tensor.get(2, b"")):
            if f == 1:
                d = dict(_fields(dim))
                dims.append(d[1] if 1 in d else bytes(d.get(2, b"")).decode())
        return dims, nodes
    raise ValueError("no input")


def _fields(buf) -> Iterator[tuple[int, int | memoryview]]:
    """The fields of one protobuf message in ``buf``: ``(number, value)``, the value an int
    (a varint) or the bytes of a length-delimited field; fixed-width fields are left out."""
    i, n = 0, len(buf)
    while i < n:
        key, i = _varint(buf, i)
        wire = key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 2:
            size, i = _varint(buf, i)
            if i + size > n:
                raise ValueError("truncated")
            value, i = buf[i:i + size], i + size
        elif wire in (1, 5):
            i += 8 if wire == 1 else 4
            continue
        else:
            raise ValueError(f"not protobuf (wire type {wire})")
        yield key >> 3, value


def _varint(buf, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if i >= len(buf) or shift > 63:
            raise ValueError("truncated")
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, i


def model_info(name: str = MODEL_NAME) -> dict:
    p = model_path(name).with_suffix(".json")
    return json.loads(p.read_text()) if p.is_file() else {}


def _past(value: float, level: float, band: float, now: bool | None, below: bool) -> bool:
    """Whether ``value`` is past ``level``: below it (``below``) or at or above it.  Once
    a decision ``now`` is known (video, frames of one size), the level moves ``band`` away
    from it, so that a value near the level does not switch back and forth."""
    if now is not None:
        level += (band if now else -band) if below else (-band if now else band)
    return value < level if below else value >= level


@register_method("focusnet")
class FocusNetMethod:
    summary = "default: native-resolution focus cues + a small shipped network (cv2.dnn), calibrated per frame"
    def __init__(self, cfg: SegmentConfig, still: bool = False):
        self.cfg = cfg
        #: the network chosen (segment.model; auto: the ensemble for still images, standard for video)
        self.model = resolve_model(cfg.model, still)
        self.net = load_net(model_path(MODEL_FILES[self.model]))
        channels = input_channels(model_path(MODEL_FILES[self.model]))

        def alike(name: str, net: cv2.dnn.Net | None, hint: str = "") -> cv2.dnn.Net | None:
            """``net`` (``name``), refused unless it takes the main network's channels."""
            if net is not None and (own := input_channels(model_path(name))) != channels:
                raise LivecutError(f"{name} takes {own} input channels, "
                                   f"{MODEL_FILES[self.model]} {channels}: retrain them alike{hint}")
            return net

        if self.model == "ensemble":
            self.net = Ensemble([self.net, *(alike(name, load_net(model_path(name))) for name in ENSEMBLE_MODELS)])
        #: the soft frames' network (segment.soft; see SOFT_P99), for the small model too: on
        #: 40 tuning photos softened 2x, video settings, small alone 0.530 / 0.504 at x1 / x2,
        #: with the soft network 0.692 / 0.685, and as they are within 0.01 (x1-x3)
        self.soft_net = alike(SOFT_MODEL, load_net(model_path(SOFT_MODEL)) if cfg.soft else None,
                              " or set segment.soft = false")
        #: the noisy frames' network (segment.noisy; see NOISY_LEVEL)
        self.noisy_net = alike(NOISY_MODEL, load_net(model_path(NOISY_MODEL)) if cfg.noisy else None,
                               " or set segment.noisy = false")
        #: whether the last judged frame went to the noisy network (None: as ``_soft``)
        self._noisy: bool | None = None
        #: frames judged by the noisy network (diagnostics), and the last frame's noise level
        self.judged_noisy = 0
        self.noise_level = 0.0
        #: whether the last judged frame went to the soft network; None: no earlier frame of
        #: this size (the level alone decides; :meth:`_prepare` and :meth:`reset` clear it)
        self._soft: bool | None = None
        #: frames judged by the soft network (diagnostics)
        self.judged_soft = 0
        # a network with a 9th input channel takes the gradient's kurtosis too
        kurtosis = channels == 3 + N_CUES + 1
        self.cues = CueExtractor(cfg.grid, kurtosis=kurtosis)
        #: the coarse level: the same cues at half the cue resolution (see COARSE_MIN_SIDE)
        self.coarse = CueExtractor(cfg.grid, extra=2, kurtosis=kurtosis)
        self._sharpest = 0.0  # CueExtractor.sharpest() of the last judged frame (cue resolution)
        self.last_coarse = False  # the last judged frame was measured at the coarse level
        self._net = None
        #: frames judged at the coarse level (diagnostics)
        self.judged_coarse = 0
        self.gain = cfg.gain
        #: also run the network on the mirrored frame and average (``segment.tta``: auto =
        #: photos yes, video no: twice the network time)
        self.flip = cfg.tta == "flip" or (cfg.tta == "auto" and still)
        self.still = still
        self._key: tuple | None = None
        self._reduced = False  # reduce() was called for the frame of the next __call__
        #: video: run cues + network on every ``every``-th frame (segment.every)
        self.every = 1 if still else max(1, int(cfg.every))
        self._frame = 0
        #: video, still scenes: reuse the last judgement for up to this many frames (segment.still)
        self.still_max = 0 if still else max(0, int(cfg.still))
        self._still_run = 0  # frames in a row served by the last judgement
        self._judged_gray: np.ndarray | None = None  # the working-size gray of the last judged frame
        #: frames judged / frames served by a still scene's earlier judgement (diagnostics)
        self.judged = 0
        self.reused_still = 0
        #: frames judged anew and averaged with the last judgement (a still scene, STILL_AVERAGE)
        self.averaged_still = 0
        #: whether the last frame was judged anew (not served by an earlier judgement)
        self.last_judged = True
        #: whether the last frame stood still against the last judged one (the still check:
        #: served by that judgement, or judged again and averaged with it), so that its picture
        #: is the judged frame's within sensor noise (see Segmenter's REFINE_KEEP)
        self.last_still = False
        self._raw: np.ndarray | None = None  # the last judged probability (every > 1, still > 0)
        #: whether __call__ judged a frame since _raw was made (or since reset): a judgement to
        #: reuse, to check a still scene against, to average a still scene's with
        self._raw_set = False
        #: what the last frame was: "subject", "all-sharp" or "all-blurred"
        self.last_state = "subject"
        #: settle the uncertain band by colour (segment.grabcut; auto: still images, see GRABCUT_LO)
        self.grabcut = cfg.grabcut == "on" or (cfg.grabcut == "auto" and still)
        #: frames whose band GrabCut settled (diagnostics)
        self.judged_grabcut = 0

    # ---- the reduction the Segmenter delegates to this method (one pass over the frame)
    def guide_size(self, h: int, w: int) -> tuple[int, int]:
        """(height, width) of :attr:`guide` for a frame of ``h`` x ``w``: the frame reduced
        by the cue factor (the native size up to 1000 px on the long side)."""
        return self.cues.reduced_size(h, w)

    def least_size(self, h: int, w: int) -> tuple[int, int] | None:
        """None where a frame of ``h`` x ``w`` is one the cues can be measured on (see
        :meth:`CueExtractor.fits`: about 250:1 at the cue resolution); else the (height, width)
        of the least frame of its length that is: its short side made long enough."""
        if self.cues.fits(h, w):
            return None
        long_side = max(h, w)
        need = next((s for s in range(min(h, w), long_side + 1)
                     if self.cues.fits(*((s, long_side) if h <= w else (long_side, s)))), long_side)
        return (need, w) if h <= w else (h, need)

    def cover_size(self, h: int, w: int) -> tuple[int, int]:
        """(height, width) of the part of a frame of ``h`` x ``w`` (from its top-left corner) that
        :meth:`reduce` and :attr:`guide` cover: the frame less its last rows and columns where a
        side is not a multiple of the cue factor (3003x2003: 3000x2000).  The Segmenter takes its
        working-size picture of that part and brings the alpha back to it."""
        return self.cues.covered_size(h, w)

    def fits(self, h: int, w: int) -> bool:
        """Whether a frame of ``h`` x ``w`` is one the cues can be measured on (see
        :meth:`least_size`; the Segmenter asks it of the picture between black bars)."""
        return self.cues.fits(h, w)

    def check_size(self, h: int, w: int) -> None:
        """Raise :class:`ImageSizeError` for a frame too long for its width to measure the
        cues on (see :meth:`least_size`)."""
        least = self.least_size(h, w)
        if least is None:
            return
        raise ImageSizeError(f"image is {w}x{h}: too long for its width for segment.method=focusnet "
                             f"(at this length the short side needs at least {min(least)} pixels); "
                             "crop or split it, or use segment.method=focus")

    def reduce(self, frame_bgr: np.ndarray) -> np.ndarray:
        """Measure the frame's gray at the cue resolution; return the frame at that size
        (BGR), from which the Segmenter takes the working-size image."""
        self._reduced = True
        return self.cues.reduce(frame_bgr)

    def reduce_luma(self, y: np.ndarray) -> None:
        """As :meth:`reduce`, for a frame given by its (limited-range) luma plane."""
        self._reduced = True
        self.cues.reduce_luma(y)

    @property
    def guide(self) -> np.ndarray | None:
        """The gray frame at :meth:`guide_size` of the last call (the refinement's guide)."""
        return getattr(self.cues, "gray", None)

    def _mapping(self, c: CueExtractor, full_hw: tuple[int, int], small_hw: tuple[int, int]) -> np.ndarray:
        """Work-size pixel centre -> frame -> network output cell (each covers 2*q*k frame
        pixels of extractor ``c``'s grid).  The working-size picture is of the frame's part
        that the reduction covers (:meth:`cover_size`), from its top-left corner as the grid."""
        H, W = self.cues.covered_size(*full_hw)
        sh, sw = small_hw
        cell = 2.0 * c.q * c.k
        return resize_map(W / sw / cell, H / sh / cell)

    def _prepare(self, full_hw: tuple[int, int], small_hw: tuple[int, int]) -> None:
        self._key = (full_hw, small_hw)
        self._soft = self._noisy = None  # (the sharpness and noise measures depend on the frame's scale)
        #: whether the coarse level can measure frames of this size (see COARSE_MIN_SIDE)
        self._coarse_ok = (max(self.coarse.reduced_size(*full_hw)) >= COARSE_MIN_SIDE
                           and self.coarse.fits(*full_hw))
        self._maps: dict[int, np.ndarray] = {}  # extractor.extra -> _mapping
        self._mirrors: dict[int, tuple] = {}  # extractor.extra -> _mirrored's buffers and map
        self._prob = np.empty(small_hw, np.float32)
        self._raw = np.empty(small_hw, np.float32) if self.every > 1 or self.still_max else None
        self._raw_set = False  # (a direct probability() call of a new size leaves it unwritten)
        #: the judgement before the last one, when the last was averaged with it (its second look too)
        self._prev = np.empty(small_hw, np.float32) if self.still_max else None
        self._gray = np.empty(small_hw, np.uint8)  # this frame's working-size gray (segment.still/every)
        self._judged_gray = np.empty(small_hw, np.uint8) if self.still_max or self.every > 1 else None
        if self.every > 1:  # motion between this frame and the judged one (see _follow)
            sh, sw = small_hw
            self._flow = np.zeros((sh, sw, 2), np.float32)
            self._gx, self._gy = np.meshgrid(np.arange(sw, dtype=np.float32), np.arange(sh, dtype=np.float32))
            self._mx = np.empty(small_hw, np.float32)
            self._my = np.empty(small_hw, np.float32)
            self._dis = (cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
                         if min(small_hw) >= FOLLOW_MIN_SIDE else None)  # (see FOLLOW_MIN_SIDE)
        self._diff = np.empty(small_hw, np.uint8)
        self._diff3 = np.empty(small_hw, np.uint8)  # (its mean over 3x3 pixels, see _is_still)
        self._snapped = np.empty(small_hw, np.float32)
        r = int(round(self.cfg.snap * max(small_hw)))
        self._snap = ColorGuidedFilter(small_hw, r, SNAP_EPS, subsample=SNAP_SUBSAMPLE) if r >= 1 else None
        self._mask = np.empty(small_hw, np.uint8)
        if self.grabcut:  # (GrabCut's labels, and its two colour models: 5 Gaussians of 13 numbers each)
            self._gc_labels = np.empty(small_hw, np.uint8)
            self._gc_models = (np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64))
        self._scratch = np.empty(small_hw, np.uint8)
        self._scratch2 = np.empty(small_hw, np.uint8)
        self._scratch3 = np.empty(small_hw, np.uint8)
        self._scratch4 = np.empty(small_hw, np.uint8)

    def probability(self, small_bgr: np.ndarray, full: np.ndarray, again_coarse: bool = False) -> np.ndarray:
        """The in-focus probability (float32 0..1) at the working size, in an internal buffer.
        ``again_coarse``: the frame was judged just now; judge it again at the coarse level."""
        t0 = time.perf_counter()
        full_hw = full.shape[:2]
        key = (full_hw, small_bgr.shape[:2])
        if again_coarse:
            coarse = True
        else:
            self._t_cues = self._t_snap = 0.0  # (ms of this frame's looks: a second one adds to them)
            # the Segmenter has reduced this frame already (reduce/reduce_luma), unless called directly
            blob = self.cues.extract(None if self._reduced else full, small_bgr)
            self._reduced = False
            used = self.cues
            if self._key != key:
                self._prepare(*key)
            self._sharpest = self.cues.sharpest()
            # no sharp detail at pixel scale: measure at half the cue resolution
            coarse = self._sharpest < COARSE_P99 and self._coarse_ok
        self.last_coarse = coarse
        if coarse:
            self.coarse.reduce_gray(self.cues.gray, full_hw)
            blob = self.coarse.extract(None, small_bgr)
            used = self.coarse
            self.judged_coarse += 1
        if not again_coarse:  # (the noise level is measured here: its time is the cues')
            soft = self._judge_soft()
            noisy = self._judge_noisy() if not soft else False
            self._net = self.soft_net if soft else self.noisy_net if noisy else self.net
        self._t_cues += (time.perf_counter() - t0) * 1e3
        net = self._net
        net.setInput(blob)
        logits = net.forward()[0, 0]
        if self.flip:  # segment.tta: averaged with the mirrored frame's answer
            logits = self._mirrored(net, blob, used, logits.copy())
        M = self._maps.get(used.extra)
        if M is None:
            M = self._maps[used.extra] = self._mapping(used, *key)
        sh, sw = small_bgr.shape[:2]
        # sigmoid on the small output, then resample (bilinear) to the working size
        cv2.exp(-logits, dst=logits)
        cv2.add(logits, 1.0, dst=logits)
        cv2.divide(1.0, logits, dst=logits)
        cv2.warpAffine(logits, M, (sw, sh), dst=self._prob,
                       flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
        if self._snap is not None:  # move the boundary onto the image's own colour edges
            ts = time.perf_counter()
            snapped = self._snap(small_bgr, self._prob, out=self._snapped)
            self._t_snap += (time.perf_counter() - ts) * 1e3
            return snapped
        return self._prob

    def _mirrored(self, net, blob: np.ndarray, used: CueExtractor, logits: np.ndarray) -> np.ndarray:
        """segment.tta = flip: ``logits`` (changed in place) averaged with the network's answer
        on the mirrored frame.  The grid's cells of the frame are flipped left to right and its
        padding stays at the right, replicated from the new last column, as the network was
        fitted with it (the whole padded grid flipped put it at the left and moved the frame
        off the network's 16-cell lattice); the answer is flipped back onto the frame's cells:
        output cell j (centre j + 0.5, 2 grid cells wide) is the mirrored answer's at
        gw / 2 - 1 - j, between two of its cells where gw is odd (bilinear)."""
        buffers = self._mirrors.get(used.extra)
        gw = used.grid[1]
        if buffers is None:
            back = np.array([[-1.0, 0.0, gw / 2 - 1], [0.0, 1.0, 0.0]])
            buffers = self._mirrors[used.extra] = (np.empty_like(blob), np.empty_like(logits), back)
        mirror, answer, back = buffers
        mirror[..., :gw] = blob[..., gw - 1::-1]
        mirror[..., gw:] = mirror[..., gw - 1:gw]
        net.setInput(mirror)
        cv2.warpAffine(net.forward()[0, 0], back, answer.shape[::-1], dst=answer,
                       flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
        return cv2.addWeighted(logits, 0.5, answer, 0.5, 0.0, dst=logits)

    def reset(self) -> None:
        """Forget the frames before: the next one is judged on its own, as the first frame
        of a video (no judgement reused, no network choice carried over)."""
        self._soft = self._noisy = None
        self._frame = 0
        self._still_run = 0
        self._raw_set = False  # (no judgement reused, no still check, no average across it)
        if getattr(self, "_flow", None) is not None:
            # (DIS starts from the flow it is given: the last video's motion started the next
            # video's first followed frame, which came out unlike a new Segmenter's)
            self._flow.fill(0)
        self.last_state = "subject"
        self.last_still = False

    def _judge_soft(self) -> bool:
        """Whether this frame goes to the soft network: its sharpest detail is below
        SOFT_P99 (video: once a frame of this size was judged, the network changes only
        when the level is crossed by SOFT_HYSTERESIS)."""
        if self.soft_net is None:
            return False
        self._soft = _past(self._sharpest, SOFT_P99, SOFT_HYSTERESIS, None if self.still else self._soft,
                           below=True)
        self.judged_soft += self._soft
        return self._soft

    def noisy_level(self) -> float:
        """The noise level from which frames of the last extracted size go to the noisy
        network: for a photo NOISY_LEVEL at a cue factor of 1, NOISY_LEVEL_REDUCED from 2 (HD
        frames); for a video frame NOISY_LEVEL_VIDEO and NOISY_LEVEL_VIDEO_REDUCED."""
        if getattr(self.cues, "k", 1) > 1:
            return NOISY_LEVEL_REDUCED if self.still else NOISY_LEVEL_VIDEO_REDUCED
        return NOISY_LEVEL if self.still else NOISY_LEVEL_VIDEO

    def _judge_noisy(self) -> bool:
        """Whether this frame goes to the noisy network: its noise level (measured on the
        cue resolution's cues, just extracted) is :meth:`noisy_level` or more (video: once a
        frame of this size was judged, the network changes only when the level is crossed
        by NOISY_HYSTERESIS)."""
        if self.noisy_net is None:
            return False
        self.noise_level = self.cues.noise()
        self._noisy = _past(self.noise_level, self.noisy_level(), NOISY_HYSTERESIS,
                            None if self.still else self._noisy, below=False)
        self.judged_noisy += self._noisy
        return self._noisy

    def _follow(self, prob: np.ndarray) -> bool:
        """``prob`` = the last judgement moved with the image (segment.every): the dense
        optical flow (DIS) from this frame's working-size gray (``_gray``, left by
        :meth:`_is_still`) to the judged frame's gives, for each pixel, where it was then;
        the judged probability is sampled there.  A subject that moves between judged
        frames is followed instead of left behind.  False (``prob`` to be judged anew) where
        the judged frame so moved is not this one (FOLLOW_LOST: a scene cut), or where the
        working size is too small for the flow (FOLLOW_MIN_SIDE)."""
        if self._dis is None:
            return False
        flow = self._dis.calc(self._gray, self._judged_gray, self._flow)
        cv2.add(self._gx, flow[:, :, 0], dst=self._mx)
        cv2.add(self._gy, flow[:, :, 1], dst=self._my)
        moved = cv2.remap(self._judged_gray, self._mx, self._my, cv2.INTER_LINEAR, dst=self._diff,
                          borderMode=cv2.BORDER_REPLICATE)
        if cv2.mean(cv2.absdiff(moved, self._gray, dst=moved))[0] > FOLLOW_LOST:
            return False
        cv2.remap(self._raw, self._mx, self._my, cv2.INTER_LINEAR, dst=prob, borderMode=cv2.BORDER_REPLICATE)
        return True

    def _is_still(self, small_bgr: np.ndarray) -> bool:
        """Whether this frame may reuse the last judgement (segment.still): under
        STILL_SHARE of its working-size pixels differ by STILL_LEVEL or more from the
        judged frame (that frame, not the previous one, so a slow drift adds up and is
        judged anew).  Leaves this frame's gray in ``_gray``."""
        cv2.cvtColor(small_bgr, cv2.COLOR_BGR2GRAY, dst=self._gray)
        d = cv2.absdiff(self._gray, self._judged_gray, dst=self._diff)
        changed = cv2.threshold(d, STILL_LEVEL - 1, 255, cv2.THRESH_BINARY, dst=self._diff3)[1]
        if cv2.countNonZero(changed) > STILL_SHARE * d.size:
            return False
        # (... nor where the change averaged over 3x3 pixels reaches STILL_LEVEL in the subject kept
        # by the last frame: a part of it moved -- noise that changes under STILL_SHARE of the pixels
        # that much averages far below; a small change in the background, nothing kept there, stays still)
        cv2.blur(d, (3, 3), dst=self._diff3)
        cv2.threshold(self._diff3, STILL_LEVEL - 1, 255, cv2.THRESH_BINARY, dst=self._diff3)
        cv2.compare(self._mask, 127, cv2.CMP_GT, dst=d)
        cv2.bitwise_and(d, self._diff3, dst=d)
        return cv2.countNonZero(d) == 0

    def _frame_state(self, share: float) -> str:
        """"all-blurred", "all-sharp" or "subject": what the network kept of the frame
        (``share``), confirmed for "all-blurred" by the cues (an upscaled photo is blurred
        everywhere too, but the network still finds its subject); a frame of one colour is
        "all-blurred" whatever the network keeps."""
        if share > ALL_BLURRED_SHARE and self._sharpest <= 0.0 and self._flat():
            # a picture of one colour: no detail, nothing in focus (one under 64 px, which the
            # network sees at its own size, was kept whole or in part)
            return "all-blurred"
        if share >= ALL_SHARP_SHARE:
            return "all-sharp"
        if share <= ALL_BLURRED_SHARE and (self._sharpest < ALL_BLURRED_P99
                                           or (NOISY_ALONE and self._net is self.noisy_net)
                                           or (VIDEO_ALONE and not self.still)):
            # (the cue resolution's level, also for a frame judged coarse; on a noisy frame
            # the noise keeps that level high whatever the focus, and the noisy network's
            # judgement stands alone; so does any network's on a video frame)
            return "all-blurred"
        if not self.still and self._sharpest < NO_DETAIL_P99 and not self._kept_sharper():
            return "all-blurred"
        return "subject"

    def _kept_sharper(self) -> bool:
        """Whether the region the network keeps (``_mask``) shows sharper detail than the rest of
        the frame: the median or the 90th percentile of the re-blur ratio (at the cue resolution)
        over the grid's cells it mostly covers more than NO_DETAIL_MARGIN above that over the others."""
        c = self.cues
        gh, gw = c.grid
        ratio = c.blob[0, 3 + 1, :gh, :gw]
        rh, rw = c.gray.shape
        sh, sw = self._mask.shape
        part = self._mask[:max(1, round(sh * gh * c.q / rh)), :max(1, round(sw * gw * c.q / rw))]
        kept = cv2.resize(part, (gw, gh), interpolation=cv2.INTER_AREA) >= 128
        if not kept.any() or kept.all():
            return True
        inside, outside = (np.percentile(ratio[where], (50, 90)) for where in (kept, ~kept))
        return bool((inside > outside + NO_DETAIL_MARGIN).any())

    def _flat(self) -> bool:
        """Whether the last frame's gray at the cue resolution is one level all over."""
        lo, hi, _, _ = cv2.minMaxLoc(self.cues.gray)
        return lo == hi

    def __call__(self, small_bgr: np.ndarray, timings: dict[str, float] | None = None,
                 full: np.ndarray | None = None) -> np.ndarray:
        t0 = time.perf_counter()
        if full is None:
            full = small_bgr
        # (a judgement of this size exists: with segment.still, so does its gray)
        ready = self._raw_set and self._raw is not None and self._raw.shape == small_bgr.shape[:2]
        reuse = bool(self.every > 1 and self._frame % self.every and ready)
        # segment.every, the image moved: the judgement moves with it (a scene cut: judged anew)
        follow = reuse and not self._is_still(small_bgr)
        if follow:
            reuse = self._follow(self._prob)
        # a still check may reuse the judgement once more only if the run of reused frames,
        # with the every-th frames that follow it, stays within segment.still
        checked = not reuse and ready and self._still_run + self.every <= self.still_max
        if checked:
            reuse = self._is_still(small_bgr)
            self.reused_still += reuse
        self._still_run = self._still_run + 1 if reuse else 0
        self.last_judged = not reuse
        self._frame += 1
        self._t_cues = self._t_snap = 0.0
        average = False
        if reuse:  # between judged frames: the last judgement (the guide is still this frame's)
            self.last_still = not follow
            self._reduced = False
            prob = self._prob
            if not follow:  # a still scene: as it was (else moved by _follow above)
                np.copyto(prob, self._raw)
        else:
            # a still scene whose reuse ran out: judged again, and averaged with the last judgement
            # (the still check's gray is this frame's: it becomes the next checks' reference)
            average = (STILL_AVERAGE > 0 and not checked and ready and self.still_max > 0
                       and self._is_still(small_bgr))
            key = self._key
            prob = self.probability(small_bgr, full)
            # (not across a change of frame size: its new buffers hold no gray, no judgement)
            same = self._key == key
            average = average and same
            checked = (checked or average) and same
            self.judged += 1
            self.averaged_still += average
            self.last_still = average
            if average:  # (the last judgement kept in _prev: a second look is averaged with it too)
                self._raw, self._prev = self._prev, self._raw
                cv2.addWeighted(prob, 1.0 - STILL_AVERAGE, self._prev, STILL_AVERAGE, 0.0, dst=prob)
            if self._raw is not None:
                np.copyto(self._raw, prob)
                self._raw_set = True
            if self._judged_gray is not None:  # the reference of the next still checks
                if checked:  # this frame's gray is at hand
                    self._gray, self._judged_gray = self._judged_gray, self._gray
                else:
                    cv2.cvtColor(small_bgr, cv2.COLOR_BGR2GRAY, dst=self._judged_gray)
        t1 = time.perf_counter()
        mask = self._mask
        share = self._decide(small_bgr, prob, mask)
        if AGAIN_COARSE and not reuse and share >= ALL_SHARP_SHARE and not self.last_coarse and self._coarse_ok:
            # sharp all over at pixel scale -- or sensor noise everywhere: look again at
            # half the resolution, where noise is halved and real detail stays sharp
            ta = time.perf_counter()
            prob = self.probability(small_bgr, full, again_coarse=True)
            if average:
                cv2.addWeighted(prob, 1.0 - STILL_AVERAGE, self._prev, STILL_AVERAGE, 0.0, dst=prob)
            if self._raw is not None:
                np.copyto(self._raw, prob)
            share = self._decide(small_bgr, prob, mask)
            t1 += time.perf_counter() - ta  # (the second look's time is the cues' and the network's)
        state = self.last_state if reuse else self._frame_state(share)
        self.last_state = state
        if state == "all-blurred":
            mask[...] = 0
        elif state == "all-sharp":
            mask[...] = 255
        else:
            if self.cfg.min_area > 0 or self.cfg.fill_holes or self.cfg.keep == "largest":
                self._select(mask)
        if timings is not None:
            t2 = time.perf_counter()
            timings["cues"] = self._t_cues
            timings["network"] = 0.0 if reuse else (t1 - t0) * 1e3 - self._t_cues - self._t_snap
            timings["snap"] = self._t_snap
            timings["mask"] = (t2 - t1) * 1e3
        return mask

    def _decide(self, small_bgr: np.ndarray, prob: np.ndarray, mask: np.ndarray) -> float:
        """:meth:`_to_alpha` of ``prob``, its unsure band settled by :meth:`_grabcut` first
        (segment.grabcut); the share of the frame kept."""
        if self.grabcut:
            self._grabcut(small_bgr, prob)
        return self._to_alpha(prob, mask)

    def _grabcut(self, small_bgr: np.ndarray, prob: np.ndarray) -> bool:
        """segment.grabcut: the band of ``prob`` (working size, changed in place) between
        GRABCUT_LO and GRABCUT_HI settled by OpenCV's GrabCut on ``small_bgr``; outside it the
        network's decision stands.  In the band ``prob`` is moved to where the alpha is the cut's
        (255 in, 0 out), its edge softened over about a pixel (GRABCUT_SOFTNESS).  Nothing is done
        where the band is empty or either side has under GRABCUT_MIN_PIXELS pixels.  True if the
        cut was made."""
        thr = self.cfg.threshold
        labels = self._gc_labels
        labels[...] = cv2.GC_PR_BGD
        labels[prob >= thr] = cv2.GC_PR_FGD
        labels[prob > GRABCUT_HI] = cv2.GC_FGD
        labels[prob < GRABCUT_LO] = cv2.GC_BGD
        band = labels >= cv2.GC_PR_BGD  # (2 and 3: the band)
        n_fg = cv2.countNonZero(labels & 1)  # (1 and 3: the subject)
        if not band.any() or min(n_fg, labels.size - n_fg) < GRABCUT_MIN_PIXELS:
            return False
        small = np.ascontiguousarray(small_bgr)
        # (its colour models start from k-means on OpenCV's random generator: seeded, the same
        # photo gives the same cut whatever ran before it)
        cv2.setRNGSeed(GRABCUT_SEED)
        bg_model, fg_model = self._gc_models
        try:
            cv2.grabCut(small, labels, None, bg_model, fg_model, GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_MASK)
        except cv2.error:  # (colour models that cannot be fitted, one colour on a side: the network's decision stands)
            return False
        # the band's alpha is the cut's, its edge softened by a Gaussian of GRABCUT_SOFTNESS px:
        # 0.5 + gain * (prob - threshold) = that.  (Only the pixels where the cut disagreed moved,
        # the others kept the network's soft values: a thin grey line ran along its old edge)
        cut = (labels & 1) * np.uint8(255)
        soft = cv2.GaussianBlur(cut, (0, 0), GRABCUT_SOFTNESS).astype(np.float32)
        prob[band] = thr + (soft[band] * (1.0 / 255.0) - 0.5) / self.gain
        self.judged_grabcut += 1
        return True

    def _to_alpha(self, prob: np.ndarray, mask: np.ndarray) -> float:
        """``mask`` = the alpha of ``prob`` (which is changed on the way); the share of the
        frame it keeps.  alpha = 0.5 + GAIN * (p - threshold): the decision level
        (segment.threshold) goes to the middle, and only probabilities near it stay soft
        (the band the full-size refinement works on)."""
        g = self.gain
        cv2.add(prob, 0.5 / g - self.cfg.threshold, dst=prob)
        cv2.max(prob, 0.0, dst=prob)
        cv2.convertScaleAbs(prob, dst=mask, alpha=255.0 * g)  # rounds, saturates at 255
        return cv2.countNonZero(cv2.compare(mask, 127, cv2.CMP_GT, dst=self._scratch)) / mask.size

    def _select(self, mask: np.ndarray) -> None:
        """On the decision (alpha >= 128): drop subjects under ``min_area`` (to 0) and fill
        the holes they enclose (to 255); elsewhere the soft values stay."""
        above, sel, tmp = self._scratch, self._scratch2, self._scratch3
        cv2.compare(mask, 127, cv2.CMP_GT, dst=above)
        sel[...] = above
        select_components(sel, self.cfg.min_area, self.cfg.keep, self.cfg.fill_holes, tmp)
        cv2.bitwise_not(above, dst=above)          # 255 at or below the cut
        cv2.bitwise_or(sel, above, dst=tmp)        # 0 only in dropped subjects
        cv2.min(mask, tmp, dst=mask)
        if cv2.countNonZero(tmp) < tmp.size:  # and their soft fringe, below the cut, too
            # (it stayed: faint rings where a small subject was dropped -- GrabCut's band
            # around a small sure core it cut away, segment.grabcut, left many)
            fringe = self._scratch4
            cv2.bitwise_not(tmp, dst=fringe)
            cv2.dilate(fringe, DROPPED_FRINGE, dst=fringe)
            cv2.bitwise_and(fringe, above, dst=fringe)
            cv2.bitwise_not(fringe, dst=fringe)
            cv2.min(mask, fringe, dst=mask)
        cv2.bitwise_and(sel, above, dst=tmp)       # 255 in filled holes
        cv2.max(mask, tmp, dst=mask)
