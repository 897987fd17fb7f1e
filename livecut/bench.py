"""``livecut bench``: time each stage of the per-frame engine on a synthetic frame."""

from __future__ import annotations

import contextlib
import re
import statistics
import time

import cv2
import numpy as np

from livecut.composite import Compositor
from livecut.config import Config
from livecut.errors import UsageError
from livecut.segment import Segmenter, each_frame_judged
from livecut.threads import opencv_threads
from livecut.segment.canny import canny_mask


#: sizes named by their height (16:9) that --size says as WxH where it is given one
NAMED_SIZES = {"360p": (640, 360), "720p": (1280, 720), "1080p": (1920, 1080), "1440p": (2560, 1440),
               "2160p": (3840, 2160), "4k": (3840, 2160)}


def parse_size(text: str, cfg: Config | None = None) -> tuple[int, int]:
    """The (width, height) of ``--size`` ``text`` ("WxH"); with ``cfg``, the frame size of a
    bench of it, refused as ``--size`` where its segmentation method cannot take it (focusnet:
    a frame far longer than it is wide; it was "image is 16384x16: too long for its width ...;
    crop or split it", after the clip of --transcode or --live was made)."""
    m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not m:
        # (1080p, 4K, 1920×1080 or 1920*1080, as sizes are named and written elsewhere, said
        # "expected WxH" alone)
        named = NAMED_SIZES.get(text.strip().casefold())
        apart = re.fullmatch(r"\s*(\d+)\s*(?:[×*,:;]|\s)\s*(\d+)\s*", text)
        meant = f"{named[0]}x{named[1]}" if named else f"{apart[1]}x{apart[2]}" if apart else ""
        raise UsageError(f"--size {text!r}: expected WxH, e.g. 1280x720"
                         + (f" ({text.strip()} is {meant})" if named else
                            f" (written with the letter x: {meant})" if meant else ""))
    w, h = int(m.group(1)), int(m.group(2))
    if not (16 <= w <= 16384 and 16 <= h <= 16384):
        raise UsageError(f"--size {text!r}: width and height must be 16..16384")
    from livecut.imageio import MAX_VIDEO_PIXELS

    if w * h > MAX_VIDEO_PIXELS:  # (refused here, not after the frame of several GB is made)
        raise UsageError(f"--size {text!r}: {w * h / 1e6:.0f} megapixels; livecut handles at most "
                         f"{MAX_VIDEO_PIXELS // 1_000_000} megapixels a frame")
    least = getattr(Segmenter(cfg).method, "least_size", None) if cfg is not None else None
    if least is not None and (need := least(h, w)) is not None:
        raise UsageError(f"--size {text!r}: too long for its width for segment.method={cfg.segment.method} "
                         f"(at this length the short side needs at least {min(need)} pixels: "
                         f"{need[1]}x{need[0]}); give that, or use segment.method=focus")
    return w, h


def synthetic_frame(w: int, h: int, seed: int = 0) -> np.ndarray:
    """A sharp textured subject over a blurred textured background (a realistic workload)."""
    rng = np.random.default_rng(seed)
    bg = rng.integers(0, 256, (max(1, h // 8), max(1, w // 8), 3), dtype=np.uint8)
    bg = cv2.resize(bg, (w, h), interpolation=cv2.INTER_CUBIC)
    bg = cv2.GaussianBlur(bg, (0, 0), max(1.0, 0.006 * max(w, h)))
    fg = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    fg = cv2.GaussianBlur(fg, (0, 0), 0.8)
    mask = np.zeros((h, w), np.uint8)
    cv2.ellipse(mask, (w // 2, h // 2), (w // 5, h // 3), 0, 0, 360, 255, -1)
    out = bg.copy()
    out[mask > 0] = fg[mask > 0]
    return out


def _median_ms(samples: list[float]) -> float:
    return float(statistics.median(samples)) if samples else 0.0


def _first_background_frame(comp: Compositor, cfg: Config) -> np.ndarray | None:
    """The first frame of ``comp``'s ``video:PATH`` background (None for another, or in a mode
    that shows none: mask, cutout)."""
    if not comp.takes_bg_frame:
        return None
    from livecut.runner import BackgroundVideo

    video = BackgroundVideo(comp.background.path, cfg.video)
    try:
        return video.next()
    finally:
        video.close()


#: the most OpenCV threads the one-frame bench takes, per CPU the process may run on
MAX_THREADS_PER_CPU = 4


def run_bench(cfg: Config, size: tuple[int, int], frames: int = 30, threads: int = 1,
              baseline: bool = True) -> dict:
    if frames < 1:
        raise UsageError("--frames must be at least 1")
    from livecut import threads as threads_

    # (--threads 100000 went to OpenCV, which started threads until the system refused them:
    # "Can't spawn new thread" tens of thousands of times, every process of the machine short)
    cpus = threads_.usable_cpus()
    if threads > (most := MAX_THREADS_PER_CPU * cpus):
        raise UsageError(f"--threads {threads}: OpenCV starts a thread for each; this machine has {cpus} "
                         f"CPU{'s' if cpus != 1 else ''}: give 1 to {most}")
    with opencv_threads(max(1, threads)):
        w, h = size
        frame = synthetic_frame(w, h)
        # one frame, repeated: time the engine judging it every time (a still scene would
        # otherwise reuse the judgement: segment.still; segment.every likewise)
        seg = Segmenter(each_frame_judged(cfg))
        comp = Compositor(cfg)
        # a video background (a configuration made for `livecut file`): the frame composited over
        # its first frame (it failed: "video backgrounds need a background frame for each frame")
        bg = _first_background_frame(comp, cfg)
        stages: dict[str, list[float]] = {}
        totals: list[float] = []
        masks: list[float] = []
        between: list[float] = []
        base_samples: list[float] = []
        alpha = seg.mask(frame)  # warm-up: allocates buffers
        comp.apply(frame, alpha, bg)
        # the same frame as I420, for the compositing a YUV transcode does (even sizes only)
        i420 = None
        if comp.supports_i420 and w % 2 == 0 and h % 2 == 0:
            i420 = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)
            comp.apply_i420(i420, alpha, bg)
        canny_mask(frame)
        for i in range(frames):
            t0 = time.perf_counter()
            alpha = seg.mask(frame)
            t1 = time.perf_counter()
            comp.apply(frame, alpha, bg)
            t2 = time.perf_counter()
            for k, v in seg.timings.items():
                stages.setdefault(k, []).append(v)
            stages.setdefault("composite", []).append((t2 - t1) * 1e3)
            if i420 is not None:  # not part of the total: the other route to the same output
                t3 = time.perf_counter()
                comp.apply_i420(i420, alpha, bg)
                stages.setdefault("composite (i420)", []).append((time.perf_counter() - t3) * 1e3)
            masks.append((t1 - t0) * 1e3)
            # (Segmenter.mask()'s work outside its timed stages -- its checks, the method's own
            # between its parts: 0.15 ms of 10.5 at 1080p -- was on no line, the stages short of
            # 'mask (all)' by it)
            between.append(max(0.0, masks[-1] - sum(seg.timings.values())))
            totals.append((t2 - t0) * 1e3)
            # the baseline is timed interleaved with livecut, so both see the same machine state;
            # its mask alone, as Segmenter.mask() is (its cutout, the image kept under the mask,
            # was timed too: ~1 % of it, the speed-up that much in livecut's favour)
            if baseline and (i % 3 == 0):
                t0 = time.perf_counter()
                canny_mask(frame)
                base_samples.append((time.perf_counter() - t0) * 1e3)
        result = {
            "size": f"{w}x{h}", "cpus": cpus, "threads": threads, "frames": frames, "method": cfg.segment.method,
            "work_size": cfg.segment.work_size,
            "stages_ms": {k: _median_ms(v) for k, v in stages.items()},
            "between_ms": _median_ms(between),
            "mask_ms": _median_ms(masks),
            "total_ms": _median_ms(totals),
        }
        result["fps"] = 1000.0 / result["total_ms"] if result["total_ms"] > 0 else float("inf")
        if baseline:  # (the median of every third frame's: "median of 30 frames" was 10 runs of it)
            result["baseline_ms"] = _median_ms(base_samples)
            result["baseline_runs"] = len(base_samples)
            result["speedup_vs_baseline"] = result["baseline_ms"] / result["mask_ms"]
        return result


def _count(n: int, what: str) -> str:
    """'2 CPUs', and of one: '1 CPU'."""
    return f"{n} {what}{'s' if n != 1 else ''}"


def _median_of(n: int, what: str) -> str:
    """'median of 7 frames', and of one: '1 frame' ('median of 1 runs' it said)."""
    return f"median of {n} {what}s" if n != 1 else f"1 {what}"


def format_bench(r: dict) -> str:
    # (the machine's CPUs, as --transcode says them: a time read without them is not compared)
    cpus = f"{_count(r['cpus'], 'CPU')}, " if r.get("cpus") else ""
    lines = [f"frame {r['size']}, method {r['method']}, work size {r['work_size']}, {cpus}"
             f"{r['threads']} thread(s), {_median_of(r['frames'], 'frame')} (each judged anew: "
             "segment.still and segment.every do not apply here)"]
    n = max(14, *map(len, r["stages_ms"]))  # (one column of numbers, "composite (i420)" too)
    # the engine's stages, then their sum Segmenter.mask(), then the compositing after it (it
    # was listed among the stages, as if Segmenter.mask() counted it)
    stages = r["stages_ms"].items()
    between, total = r.get("between_ms"), r["total_ms"]
    if r.get("frames") == 1 and between is not None and "composite" in r["stages_ms"]:
        # (one frame: its lines add up as printed, not 0.01 ms off by their rounding; medians of
        # several frames' need not)
        between = max(0.0, round(r["mask_ms"], 2) - sum(round(v, 2) for k, v in stages
                                                        if not k.startswith("composite")))
        total = round(r["mask_ms"], 2) + round(r["stages_ms"]["composite"], 2)
    for k, v in (kv for kv in stages if not kv[0].startswith("composite")):
        lines.append(f"  {k:{n}s} {v:8.2f} ms")
    if between is not None:
        lines.append(f"  {'other':{n}s} {between:8.2f} ms   between the stages")
    lines.append(f"  {'mask (all)':{n}s} {r['mask_ms']:8.2f} ms   Segmenter.mask()")
    for k, v in (kv for kv in stages if kv[0].startswith("composite")):
        lines.append(f"  {k:{n}s} {v:8.2f} ms" + ("   Compositor.apply_i420()" if k == "composite (i420)" else
                                                   "   Compositor.apply()"))
    lines.append(f"  {'total':{n}s} {total:8.2f} ms   ({r['fps']:.1f} fps, mask + composite)")
    if "baseline_ms" in r:
        x = r["speedup_vs_baseline"]
        verdict = f"{x:.1f}x faster" if x >= 1 else f"{1 / x:.1f}x slower"
        runs = f", {_median_of(r['baseline_runs'], 'run')}" if "baseline_runs" in r else ""
        lines.append(f"baseline (canny pipeline at full size, every third frame{runs}): "
                     f"{r['baseline_ms']:.2f} ms; Segmenter.mask() is {verdict}")
    return "\n".join(lines)


# ---------------------------------------------------------------- end-to-end file throughput

#: after "engine judged focus on N of M frames"
JUDGED_NOTE = " (the others reused a judgement: segment.still, segment.every)"


def judged_line(judged: int, frames: int) -> str:
    """'engine judged focus on N of M frames', the note on the others only where there are
    others (1 of 1 frame said '(the others reused a judgement ...)' of none)."""
    return f"engine judged focus on {judged} of {_count(frames, 'frame')}" + (JUDGED_NOTE if judged < frames else "")
#: what the generated bench clip shows (``livecut bench --scene``)
SCENES = ("moving", "still")


def _scene(scene: str) -> str:
    """``scene`` as :data:`SCENES` spells it, in any case as ``livecut bench --scene Still``
    takes it (``scene="Still"`` was refused by the library alone); another word refused."""
    if isinstance(scene, str):
        scene = next((s for s in SCENES if s.casefold() == scene.casefold()), scene)
    if scene not in SCENES:
        raise UsageError(f"--scene {scene!r}: expected one of {', '.join(SCENES)}")
    return scene


#: sensor noise (gray levels, per pixel and frame) of the ``still`` scene
STILL_NOISE = 2.0


def check_mp4_encoder(cfg: Config) -> None:
    """Refuse (:class:`UsageError`, naming the key) a ``video.codec`` / ``video.preset`` /
    ``video.crf`` that cannot write the bench's yuv420p .mp4 clips, as ``livecut file`` refuses
    them: they failed inside PyAV when the clip was made or timed (an internal error)."""
    import io

    import av

    from livecut.sinks.file import check_container, check_encoder, encoder_options

    codec = cfg.video.codec
    check_encoder(codec, cfg.video.preset, "yuv420p")
    with av.open(io.BytesIO(), "w", format="mp4") as probe:
        try:
            probe.add_stream(codec, rate=30)
        except ValueError as exc:  # (the muxer's refusal, as FileSink says it)
            raise UsageError(f"video.codec {codec!r}: a .mp4 file cannot hold it ({exc}); the bench "
                             "writes .mp4 clips: use libx264") from None
    check_container(codec, ".mp4")
    encoder_options(cfg.video, codec, "yuv420p")  # (x265 above crf 51)


def check_opaque_output(cfg: Config) -> None:
    """Refuse (:class:`UsageError`) a configuration whose output is transparent (composite.mode =
    cutout, composite.background = transparent) for ``--transcode``, which times `livecut file`
    writing .mp4: it was refused once the clip was made and the plain decode+encode timed, as
    '/tmp/livecut-bench-ei3in5k8/livecut0.mp4: .mp4 video cannot keep transparency; write .mov
    ...', a temporary file of the bench, and an output the bench does not let one choose."""
    from livecut.runner import _alpha_asked

    if Compositor(cfg).channels == 4:
        asked = _alpha_asked(cfg, None, None) or f"composite.background = {cfg.composite.background}"
        raise UsageError(f"--transcode: the configuration's output is transparent ({asked}), which the .mp4 "
                         "`livecut file` writes here cannot keep; time an opaque one (--set composite.mode="
                         "composite, a background that is not transparent), or use --live")


def make_bench_clip(path, size: tuple[int, int] = (1280, 720), seconds: float = 3.0, fps: int = 30,
                    cfg: Config | None = None, scene: str = "moving") -> None:
    """A clip, encoded like livecut's output: ``moving``, a sharp subject crossing half
    the frame over a blurred background; ``still``, the same scene held still with
    sensor noise (a camera on a tripod, a video call)."""
    import av

    scene = _scene(scene)
    from livecut.sinks.file import encoder_options, open_encoder, rate_control

    cfg = cfg or Config()
    check_mp4_encoder(cfg)
    w, h = size
    if w % 2 or h % 2:  # (it was an OpenCV assertion, an "internal error")
        raise UsageError(f"--size {w}x{h}: the generated clip is YUV 4:2:0, which needs an even width "
                         "and height")
    base = synthetic_frame(w, h)
    n = max(1, int(seconds * fps))
    rng = np.random.default_rng(0)
    noise = np.empty((h, w, 3), np.int16)
    with av.open(str(path), "w") as out:
        s = out.add_stream(cfg.video.codec, rate=fps)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        # (with livecut's encoder options: x265's banner and settings, ~25 lines, were printed
        # on stderr by --transcode/--live --set video.codec=libx265, `livecut file` quiet)
        # (livecut's alone: a crf and an x264 preset added to every codec's made SVT-AV1 refuse
        # to open, "preset veryfast", an internal error where `livecut file` writes AV1)
        opts, ctx = encoder_options(cfg.video, cfg.video.codec, "yuv420p")
        s.options = opts
        for k, v in {**ctx, **rate_control(cfg.video.codec, 1)}.items():  # (a frame a tick: 1/fps)
            setattr(s.codec_context, k, v)
        # (opened here, as `livecut file` opens it: a hardware encoder without its device, h264_nvenc
        # on a machine without an NVIDIA GPU, was an internal error at the first frame)
        open_encoder(s, cfg.video.codec, "the bench's clip")
        for i in range(n):
            if scene == "still":
                noise[...] = rng.normal(0.0, STILL_NOISE, noise.shape)
                img = cv2.add(base, noise, dtype=cv2.CV_8U)
            else:
                img = np.roll(base, int(i * w / (2 * n)), axis=1)
            f = av.VideoFrame.from_ndarray(cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420), format="yuv420p")
            f.pts = i
            out.mux(s.encode(f))
        out.mux(s.encode(None))


def _bench_clip(clip, generated, size: tuple[int, int], cfg: Config, **clip_options):
    """(path, source info) of the clip to time: ``clip``, or a synthetic one made at
    ``generated`` (:func:`make_bench_clip`); a missing file, a picture or a non-video fails clearly."""
    from pathlib import Path

    from livecut.sources.file import FileSource

    if clip is None:
        clip = generated
        make_bench_clip(clip, size, cfg=cfg, **clip_options)
    given, clip = str(clip), Path(clip)
    if given == "-" and not clip.exists():
        # (`livecut file -` reads standard input: here it was "-: no such file")
        raise UsageError("-: standard input, not a file: the bench reads the clip more than once; save it "
                         "to a file and give that")
    if given.isdigit() and not clip.exists():
        # (a camera's index, as `livecut run 0` takes it, was "0: no such file")
        raise UsageError(f"{given}: no such file (a camera's index? the bench times a video file; --live plays "
                         "it as a live source, as a camera's frames come)")
    if not clip.is_file():  # (a folder was "no such file")
        if clip.is_dir():
            raise UsageError(f"{clip}: a folder, not a video file")
        try:
            from livecut.atomic import special_kind

            kind = special_kind(clip.stat().st_mode) or "not a regular file"
        except OSError:
            raise UsageError(f"{clip}: no such file") from None
        # (a pipe, --clip <(ffmpeg ...) or /dev/stdin, was "/dev/fd/63: no such file": the bench
        # opens the clip more than once: its size and length here, then its run(s))
        raise UsageError(f"{clip}: is {kind}, not a regular video file: the bench reads the clip more "
                         "than once; save it to a file and give that")
    with FileSource(clip) as src:
        if src.note:  # (a photo was timed as a clip of one frame: "1 frames ... 100 % of one core")
            raise UsageError(f"{clip}: a picture, not a video: the bench times a clip's frames; give a "
                             "video, or no --clip for a generated one")
        return clip, src.info


def plain_transcode(src, dst, cfg: Config, clock=None) -> int:
    """Decode + encode with the same decoder and encoder settings as ``livecut file``
    (:func:`livecut.sources.file.decoder_threads`, :func:`livecut.sinks.file.encoder_options`),
    no processing: the reference.  ``clock`` collects the CPU time of decode, encode, mux."""
    import av

    from livecut.sinks.base import fps_fraction
    from livecut.sinks.file import _fixed_rate, _mpeg4_base, encoder_options, open_encoder, rate_control
    from livecut.sources.file import decoder_threads, open_local, video_streams
    from livecut.urls import file_for_ffmpeg

    n = 0
    # (tags that are not UTF-8, an old tool's Latin-1 title, failed its opening: an internal error;
    # the demuxer `livecut file` reads it with: an animated PNG was 1 frame here, all of them there)
    with open_local(src) as inp, \
            av.open(file_for_ffmpeg(dst), "w") as out:
        vin = video_streams(inp)[0]  # (the one `livecut file` cuts)
        for k, v in decoder_threads().items():
            setattr(vin.codec_context, k, v)
        fps = fps_fraction(float(vin.average_rate or 0))
        s = out.add_stream(cfg.video.codec, rate=fps)
        # even sides, as `livecut file` writes 4:2:0 (x264 refused a clip of odd width or height
        # at its own size: an internal error); PyAV scales each frame to it
        w, h = vin.codec_context.width, vin.codec_context.height
        s.width, s.height, s.pix_fmt = max(2, w - w % 2), max(2, h - h % 2), "yuv420p"
        # the source's timestamps as they are (a variable frame rate too), as `livecut file`
        # keeps them: the encoder counts in the same time base (it counted in 1/average
        # rate and took them as such: a VFR clip's packets were refused by the muxer); but
        # for an encoder that takes only its list of frame rates (MPEG-1/2) or a coarser base
        # (MPEG-4 Part 2: 16 bits), the one `livecut file` gives it (the clip's was refused:
        # an internal error, where `livecut file` writes the clip); PyAV rebases the frames
        tb = vin.time_base
        if (rate := _fixed_rate(cfg.video.codec, fps)) is not None:
            tb = 1 / rate
        if cfg.video.codec == "mpeg4":
            tb = _mpeg4_base(tb)
        s.time_base = tb
        s.codec_context.time_base = tb
        opts, ctx = encoder_options(cfg.video, cfg.video.codec)
        s.options = opts
        # (VC-2's bit rate, as livecut file sets it: it was an internal error, 'avcodec_send_frame()
        # returned 22')
        ticks = max(1, int(round(1 / (fps * tb))))
        for k, v in {**ctx, **rate_control(cfg.video.codec, ticks)}.items():
            setattr(s.codec_context, k, v)
        open_encoder(s, cfg.video.codec, "the plain decode+encode")
        frames = inp.decode(vin)
        t = clock.now() if clock else 0.0
        for frame in frames:
            if clock:
                t = clock.add("decode", t)
            frame.pict_type = av.video.frame.PictureType.NONE
            packets = s.encode(frame)
            if clock:
                t = clock.add("encode", t)
            for p in packets:
                out.mux(p)
            if clock:
                t = clock.add("mux", t)
            n += 1
        packets = s.encode(None)
        if clock:
            t = clock.add("encode", t)
        for p in packets:
            out.mux(p)
        if clock:
            clock.add("mux", t)
    return n


#: the stages ``bench --transcode`` reports (CPU ms per frame in the thread that runs them)
TRANSCODE_STAGES = ("decode", "convert", "engine", "composite", "encode", "mux")


def _process_cpu() -> float:
    try:
        import resource
    except ImportError:  # Windows: no resource module; the same user + system time
        return time.process_time()

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _stage_ms(clock, frames: int, cpu_s: float, stages=TRANSCODE_STAGES) -> tuple[dict, dict]:
    """({stage: CPU ms per frame} for ``stages`` plus ``other``, {convert part: ms})."""
    ms = clock.ms_per_frame(frames)
    conv = {k: ms[k] for k in ("convert_in", "convert_copy", "convert_out") if k in ms}
    ms["convert"] = sum(conv.values())
    out = {k: ms.get(k, 0.0) for k in stages}
    out["other"] = max(0.0, cpu_s * 1e3 / max(1, frames) - sum(out.values()))
    return {k: round(v, 3) for k, v in out.items()}, {k: round(v, 3) for k, v in conv.items()}


@contextlib.contextmanager
def _interrupt_unnamed(output: str = ""):
    """Ctrl-C in the run a bench times is the bench's: run_video's message named its output,
    a temporary file of the bench removed as it stops ('interrupted
    (/tmp/livecut-bench-azofokg7/livecut1.mp4 finalized with 85 frames)'; --live: 'null:',
    an output never given); it is a plain KeyboardInterrupt ('interrupted', exit 130), a SIGTERM
    or SIGHUP the signal's :class:`~livecut.runner.Terminated` (it was 'interrupted', exit 130,
    too). A --clip cut short is a usage error without ``output`` either: '...: 49 frames
    written, about 100 expected; /tmp/livecut-bench-3bs493yy/livecut0.mp4 holds the 49 frames
    written' named a file gone as the bench stopped ('null: holds ...' with --live)."""
    from livecut.errors import IncompleteError
    from livecut.runner import Interrupted, Terminated

    try:
        yield
    except Interrupted as exc:
        if exc.exit_code > 128 and exc.exit_code != 130:
            raise Terminated(exc.exit_code - 128) from None
        raise KeyboardInterrupt from None
    except IncompleteError as exc:
        text = str(exc)
        if output and f"; {output} holds " in text:
            text = text[:text.index(f"; {output} holds ")]
        raise UsageError(f"{text}; the bench times a whole clip: give one that is not cut short") from None


@contextlib.contextmanager
def _temporary_room(folder):
    """A full (or read-only, over quota) temporary folder, where the bench writes its clips, is
    a :class:`~livecut.errors.WriteError` naming it: it was 'internal error: OSError: [Errno 28]
    No space left on device: '/tmp/livecut-bench-0lxhy0e9/clip_640x480.mp4''."""
    from livecut.atomic import disk_stop, io_reason
    from livecut.errors import WriteError

    try:
        yield
    except OSError as exc:
        if disk_stop(exc) is None:
            raise
        raise WriteError(f"{folder}: the bench's temporary clips could not be written there "
                         f"({io_reason(exc)}); make room, or set TMPDIR to a folder with room") from None


def run_transcode_bench(cfg: Config, clip=None, size: tuple[int, int] = (1280, 720), repeat: int = 2,
                        scene: str = "moving") -> dict:
    """``livecut file`` end to end next to a plain decode+encode of the same clip, same run
    (interleaved, best of ``repeat``): wall-clock seconds and their ratio, CPU ms per frame
    and stage (:data:`TRANSCODE_STAGES`, timed with ``time.thread_time`` in the thread that
    runs each stage; ``other`` = the process's CPU time not in a stage: codec worker
    threads, queues)."""
    import tempfile
    from pathlib import Path

    from livecut.runner import run_video
    from livecut.stageclock import StageClock

    generated = clip is None
    scene = _scene(scene)
    check_mp4_encoder(cfg)  # (the plain decode+encode and `livecut file` write .mp4 with it)
    check_opaque_output(cfg)
    with _temporary_room(tempfile.gettempdir()), tempfile.TemporaryDirectory(prefix="livecut-bench-") as tmp:
        tmpd = Path(tmp)
        clip, info = _bench_clip(clip, tmpd / f"clip_{size[0]}x{size[1]}.mp4", size, cfg, scene=scene)
        w, h = info.width, info.height
        best_plain = best_full = None
        frames = 0
        for r in range(max(1, repeat)):
            clock = StageClock()
            c0, t0 = _process_cpu(), time.perf_counter()
            frames = plain_transcode(clip, tmpd / f"plain{r}.mp4", cfg, clock)
            run = (time.perf_counter() - t0, _process_cpu() - c0, clock)
            if best_plain is None or run[0] < best_plain[0]:
                best_plain = run
            clock = StageClock()
            c0, t0 = _process_cpu(), time.perf_counter()
            with _interrupt_unnamed(str(tmpd / f"livecut{r}.mp4")):
                stats = run_video(str(clip), str(tmpd / f"livecut{r}.mp4"), cfg, progress=False, force=True,
                                  clock=clock)
            run = (time.perf_counter() - t0, _process_cpu() - c0, clock, stats)
            if best_full is None or run[0] < best_full[0]:
                best_full = run
        tp, cpu_p, clock_p = best_plain
        tf, cpu_f, clock_f, stats = best_full
        plain_stages, _ = _stage_ms(clock_p, frames, cpu_p, ("decode", "encode", "mux"))
        stages, convert = _stage_ms(clock_f, stats.processed, cpu_f)
        from livecut.sinks.file import encoder_options
        from livecut.sources.file import decoder_threads
        from livecut.threads import thread_plan, usable_cpus

        takes = _encoder_takes(cfg.video, w, h)
        ignorable = encoder_options(cfg.video, cfg.video.codec)[0]  # (options; [1] is the context's)

        # (a generated clip: its path was that of a temporary folder gone once the bench ends)
        return {"clip": f"generated, {scene} scene" if generated else str(clip),
                "scene": scene if generated else None, "judged": stats.judged,
                "size": f"{w}x{h}", "frames": frames, "codec": cfg.video.codec,
                "preset": cfg.video.preset,  # (crf: 20 as written, not 20.0; 18.5)
                "crf": int(cfg.video.crf) if float(cfg.video.crf).is_integer() else cfg.video.crf,
                "encoder_takes": sorted(takes),
                "plain_s": tp, "plain_fps": frames / tp, "livecut_s": tf, "livecut_fps": stats.processed / tf,
                "ratio": tf / tp, "process_ms": stats.process_ms_mean,
                "pixel_format": stats.pixel_format, "repeat": max(1, repeat), "cpus": usable_cpus(),
                "plain_cpu_s": cpu_p, "livecut_cpu_s": cpu_f,
                "plain_stages_cpu_ms": plain_stages, "stages_cpu_ms": stages, "convert_cpu_ms": convert,
                "decoder": decoder_threads(),
                # (the options the encoder takes, and its context's settings: mpeg4's said crf=20)
                "encoder": {k: str(v) for d in encoder_options(cfg.video, cfg.video.codec) for k, v in d.items()
                            if k in takes or k not in ignorable},
                "opencv_threads": thread_plan().opencv_threads or cv2.getNumThreads(),
                "segmented_ahead": stats.segmented_ahead}


def _encoder_takes(video, w: int, h: int) -> set[str]:
    """The options :func:`~livecut.sinks.file.encoder_options` gives ``video.codec`` that it
    takes: FFmpeg leaves those an encoder has not unused (mpeg4 has no crf nor preset); all of
    them where a probe of ``w`` x ``h`` yuv420p cannot open it."""
    from fractions import Fraction

    import av

    from livecut.sinks.file import encoder_options
    from livecut.threads import keep_scheduling

    opts, _ = encoder_options(video, video.codec, "yuv420p")
    try:
        ctx = av.CodecContext.create(video.codec, "w")
        ctx.width, ctx.height, ctx.pix_fmt, ctx.time_base = w, h, "yuv420p", Fraction(1, 30)
        ctx.options = dict(opts)
        with keep_scheduling():  # (SVT-AV1 opened by root switched livecut to real time)
            ctx.open()
        unused = set(ctx.options)
    except Exception:  # (it wrote the clips: the probe's failure leaves the header as it was)
        unused = set()
    return set(opts) - unused


def format_transcode(r: dict) -> str:
    scene = f"{r['scene']} scene, " if r.get("scene") else ""
    # (crf and preset where the encoder takes them: --set video.codec=mpeg4 said 'crf 20 preset
    # veryfast', settings mpeg4 has not)
    takes = r.get("encoder_takes", ("crf", "preset"))
    settings = (f" crf {r['crf']}" if "crf" in takes else "") + (f" preset {r['preset']}" if "preset" in takes else "")
    # (a clip of one frame, a machine of one CPU: '1 frames', '1 CPUs')
    lines = [f"file throughput, {scene}{r['size']}, {_count(r['frames'], 'frame')}, {r['codec']}{settings}, "
             f"{_count(r['cpus'], 'CPU')}, best of {r['repeat']}, frames as {r['pixel_format']}",
             "wall clock:",
             f"  plain decode+encode  {r['plain_s']:6.2f} s  ({r['plain_fps']:.1f} fps)",
             f"  livecut file         {r['livecut_s']:6.2f} s  ({r['livecut_fps']:.1f} fps)",
             f"  livecut / plain      {r['ratio']:.2f}x",
             "CPU ms per frame (thread CPU time of each stage; other = the rest of the process's "
             "CPU: codec worker threads, queues):",
             f"  {'stage':10s} {'plain':>8s} {'livecut':>8s}"]
    for k in (*TRANSCODE_STAGES, "other"):
        p = r["plain_stages_cpu_ms"].get(k)
        lines.append(f"  {k:10s} {'-' if p is None else f'{p:.2f}':>8s} {r['stages_cpu_ms'][k]:8.2f}")
    n = r["frames"] or 1
    lines.append(f"  {'total':10s} {r['plain_cpu_s'] * 1e3 / n:8.2f} {r['livecut_cpu_s'] * 1e3 / n:8.2f}")
    if r["convert_cpu_ms"]:
        lines.append("  convert = " + ", ".join(f"{k.split('_')[1]} {v:.2f}" for k, v in r["convert_cpu_ms"].items()))
    if r.get("judged") is not None:
        lines.append(judged_line(r["judged"], r["frames"]))
    enc = " ".join(f"{k}={v}" for k, v in r["encoder"].items()) or "(its defaults)"
    ahead = "; segmentation ahead, in the reader thread" if r.get("segmented_ahead") else ""
    lines.append(f"encoder {enc}; decoder {r['decoder']}; OpenCV threads {r['opencv_threads']}{ahead}")
    return "\n".join(lines)


# ---------------------------------------------------------------- live CPU share

#: the shortest --live --clip (seconds): in a shorter one the run's start is most of the CPU time
MIN_LIVE_SECONDS = 1.0


def run_live_bench(cfg: Config, size: tuple[int, int] = (1920, 1080), seconds: float = 6.0,
                   fps: int = 30, clip=None, scene: str = "moving") -> dict:
    """A clip played as a live source (at its own frame rate, newest frame wins) through
    the whole pipeline into a ``null:`` sink (no preview, nothing written): the share of
    one CPU the process uses, the processing time per frame and the frames dropped."""
    import tempfile
    from pathlib import Path

    from livecut.runner import run_video
    from livecut.threads import usable_cpus

    generated = clip is None
    scene = _scene(scene)
    with _temporary_room(tempfile.gettempdir()), tempfile.TemporaryDirectory(prefix="livecut-bench-") as tmp:
        clip, info = _bench_clip(clip, Path(tmp) / f"live_{size[0]}x{size[1]}.mp4", size, cfg,
                                 seconds=seconds, fps=fps, scene=scene)
        w, h, rate = info.width, info.height, info.fps
        length = info.duration or (info.frames / rate if info.frames and rate else None)
        if not generated and length is not None and length < MIN_LIVE_SECONDS:
            # (a clip of one frame was "CPU: 0.05 s over 0.05 s = 100 % of one core": the run's start)
            raise UsageError(f"{clip}: {round(length, 2):g} s long: --live measures the share of a CPU "
                             "that playing takes, which the start of the run is most of in so short a "
                             "clip; give a clip of a second or more")
        c0, t0 = _process_cpu(), time.perf_counter()
        with _interrupt_unnamed("null:"):
            stats = run_video(str(clip), "null:", cfg, live=True, progress=False)
        wall, cpu = time.perf_counter() - t0, _process_cpu() - c0
    return {"clip": f"generated, {scene} scene" if generated else str(clip), "judged": stats.judged,
            "size": f"{w}x{h}", "fps_source": rate, "seconds": round(wall, 3),
            "cpu_s": round(cpu, 3), "cpu_share": round(cpu / wall, 3) if wall > 0 else 0.0,
            "process_ms": round(stats.process_ms_mean, 2), "processed": stats.processed,
            # (fps is over the playing, from the first frame read to the last written; "seconds"
            # is the whole run, the engine's loading and the source's opening included: 180 frames
            # at 30.1 fps were said to take 6.1 s, the run's, where they took 6.0)
            "processing_s": round(stats.elapsed, 3), "dropped": stats.dropped, "fps": round(stats.fps, 2),
            "opencv_threads": stats.opencv_threads or cv2.getNumThreads(), "cpus": usable_cpus()}


def format_live(r: dict) -> str:
    from livecut.errors import one_line

    # (the clip's name as an error line says it: a byte that is not UTF-8, caf\xe9.mp4, was written
    # as a replacement character, caf\ufffd.mp4)
    return "\n".join([
        f"live source: {r['size']} at {r['fps_source']:g} fps ({one_line(r['clip'])}), null sink, no preview"
        + (f", {_count(r['cpus'], 'CPU')}" if r.get("cpus") else ""),  # (as --transcode says them)
        f"  processed {_count(r['processed'], 'frame')} in {r['processing_s']:.2f} s ({r['fps']:.1f} fps), "
        f"{r['dropped']} dropped; the run took {r['seconds']:.2f} s, its start included",
        f"  processing {r['process_ms']:.1f} ms/frame (segment + composite, wall clock in the main thread)",
        f"  CPU: {r['cpu_s']:.2f} s over the run's {r['seconds']:.2f} s = {100 * r['cpu_share']:.0f} % of one core "
        "(the whole process: decode, engine, composite)",
        f"  OpenCV threads {r['opencv_threads']}",
    ] + (["  " + judged_line(r["judged"], r["processed"])]
         if r.get("judged") is not None else []))
