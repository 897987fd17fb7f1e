"""Configuration: TOML presets in ``config/`` -> frozen dataclasses.

The dataclasses below are the single source of truth for keys, defaults and
valid ranges.  ``config/default.toml`` documents each key; a test checks that it
matches these defaults.  Presets (``fast``, ``quality`` ...) only list the keys
they change.  ``section.key=value`` overrides (the CLI's ``--set``) come last.

Usage::

    cfg = load_config()                                  # defaults
    cfg = load_config("fast", overrides=["segment.work_size=256"])
    cfg = load_config(Path("my.toml"))
"""

from __future__ import annotations

import ast
import dataclasses
import datetime
import functools
import math
import os
import re
import sys
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

from livecut.errors import ConfigError, ConfigTypeError, quoted

#: how a message names one of :func:`load_config`'s ``overrides`` ("override 'segment': ...",
#: "override: segment.threshold: ..."), a preset to load being ``load_config('fast')``: the
#: library's words, which the command line says as its options (--set, -c: cli.config_text)
OVERRIDE = "override"

#: ``video.rtsp_transport``'s words (and ``--rtsp-transport``'s)
RTSP_TRANSPORTS = ("tcp", "udp")

# (the errors a configuration raises are importable here too)
__all__ = ["Config", "SegmentConfig", "CompositeConfig", "SmoothConfig", "VideoConfig", "SECTIONS",
           "load_config", "apply_mapping", "parse_override", "section_config", "whole_config", "preset_names",
           "presets_dir", "describe", "documented_keys", "ConfigError", "ConfigTypeError"]


def _opt(default: Any, doc: str, *, lo: float | None = None, hi: float | None = None,
         choices: Iterable[str] | None = None) -> Any:
    """A dataclass field with its documentation and allowed values."""
    meta = {"doc": doc, "lo": lo, "hi": hi, "choices": tuple(choices) if choices else None}
    return field(default=default, metadata=meta)


class _Checked:
    """Each section checks its values when it is made, however it is made (``load_config``,
    the class itself, ``dataclasses.replace``): a wrong type, an unknown choice or a value
    out of range is a :class:`ConfigError` naming the key, as in a file; numbers and
    booleans given as text or as the other numeric type are converted, as a file's are."""

    def __post_init__(self) -> None:
        section = next((name for name, cls in SECTIONS.items() if isinstance(self, cls)), None)
        if section is None:
            return
        for f in fields(self):
            value = getattr(self, f.name)
            out = _coerce(section, f, value)
            if out is not value:
                object.__setattr__(self, f.name, out)


@dataclass(frozen=True)
class SegmentConfig(_Checked):
    method: str = _opt("focusnet", "segmentation method (see `livecut methods`)",
                       choices=("focusnet", "focus", "canny"))
    work_size: int = _opt(320, "long side in pixels of the reduced image the mask is computed on",
                          lo=64, hi=2048)
    threshold: float = _opt(0.45, "focusnet, focus: decision level on the focus probability (higher "
                            "= tighter mask)",
                            lo=0.05, hi=0.95)
    gain: float = _opt(8.0, "focusnet: slope of the alpha around the threshold (probabilities within "
                       "0.5/gain of it stay soft, the rest is 0 or 255)", lo=1.0, hi=100.0)
    tta: str = _opt("off", "focusnet: also judge the mirrored frame and average (twice the network "
                    "time; no better on the tuning photos): flip, off, auto = for still images only",
                    choices=("auto", "flip", "off"))
    snap: float = _opt(0.03, "focusnet: radius (fraction of the long side) of a colour guided filter that "
                       "moves the boundary onto the image's edges at the working size, photos and video "
                       "(solved at a quarter of that size; 0 = off)", lo=0.0, hi=0.2)
    model: str = _opt("auto", "focusnet: the shipped network: standard (160k parameters), small "
                      "(92k: ~1/3 less network time; IoU 0.01-0.02 lower on the tuning photos), ensemble "
                      "(the standard network and two more of its size, averaged: 3x the network time; "
                      "IoU ~0.01 higher on the tuning photos, ~0.02 on clean photos at x1 and x2) or auto "
                      "(ensemble for still images, where 2-7 ms more a photo costs nothing; standard for video)",
                      choices=("auto", "standard", "small", "ensemble"))
    soft: bool = _opt(True, "focusnet: frames whose sharpest detail is soft at pixel scale (a soft "
                      "camera, an enlarged picture) are judged by a second network, fitted on softened "
                      "photos too (the standard network's size, also with model = small)")
    noisy: bool = _opt(True, "focusnet: frames with sensor noise (a camera in low light; a noise level, about "
                       "1.3x the noise sigma at the cue resolution, of 8 or more for a photo, 3 for a video "
                       "frame, 6 and 4 over 1000 px) are judged by a third network, fitted with stronger "
                       "noise (the standard network's size, also with model = small)")
    grabcut: str = _opt("auto", "focusnet: settle the band where the network is unsure (probability 0.2-0.8) "
                        "by colour, with OpenCV's GrabCut at the working size (~40 ms a picture; IoU +0.020 "
                        "/ +0.017 at x1 / x2 on the tuning photos): on, off, auto = for still images only",
                        choices=("auto", "on", "off"))
    grid: int = _opt(256, "focusnet: long side, in cells, of the network's input grid (about); smaller "
                     "is faster and coarser (192: ~40 % less network time at 1080p, but IoU 0.737 -> "
                     "0.698 on the tuning photos at 3x)", lo=64, hi=512)
    every: int = _opt(1, "focusnet, video: judge focus (cues + network) on every Nth frame only; the "
                      "frames between take the last judgement moved with the image (optical flow at the "
                      "working size), smoothed and refined against their own pixels (less CPU, up to "
                      "N-1 frames of lag after a change of focus)", lo=1, hi=8)
    still: int = _opt(3, "focusnet, video: on a still scene (under 0.2 % of the working-size pixels "
                      "changed by 8 or more levels since the last judged frame, and the change averaged "
                      "over 3x3 of them under 8 levels in the subject: a hand that waves is judged) reuse that judgement, "
                      "for at most this many frames in a row, segment.every's included; the still scene "
                      "judged again after them is averaged with that judgement (0 = judge every frame)",
                      lo=0, hi=8)
    min_area: float = _opt(0.01, "drop subjects smaller than this fraction of the frame (focusnet, "
                           "focus: the largest one is always kept; canny: with canny_multi)",
                           lo=0.0, hi=0.5)
    keep: str = _opt("all", "focusnet, focus: keep every subject above min_area, or only the largest",
                     choices=("all", "largest"))
    fill_holes: bool = _opt(True, "focusnet, focus: fill holes enclosed by the subject")
    bars: bool = _opt(True, "focusnet, focus: find black bars around the picture (letterbox, "
                      "pillarbox) and judge only the picture inside them; the bars get alpha 0")
    refine: str = _opt("auto", "focusnet, focus: full-resolution edge refinement: guided (gray guide, fast, "
                       "boundary band only), color (colour guide, finer, for photos), none (plain "
                       "resize), auto (color for still images, guided for video)",
                       choices=("auto", "guided", "color", "none"))
    refine_radius: float = _opt(0.004, "guided-filter radius as a fraction of the working size's long side "
                                "(at least 1 pixel there)",
                                lo=0.001, hi=0.1)
    refine_eps: float = _opt(0.002, "regularisation of the guided (gray) refinement (larger = "
                             "smoother, less edge snap); the colour refinement of photos uses 1e-4",
                             lo=1e-6, hi=1.0)
    # baseline (canny) parameters
    canny_low: int = _opt(10, "canny method: lower hysteresis threshold", lo=0, hi=1000)
    canny_high: int = _opt(100, "canny method: upper hysteresis threshold", lo=0, hi=1000)
    canny_multi: bool = _opt(False, "canny method: keep every contour above min_area, not only the biggest")


@dataclass(frozen=True)
class CompositeConfig(_Checked):
    mode: str = _opt("composite", "what to output: composite, cutout (BGRA), mask, side-by-side",
                     choices=("composite", "cutout", "mask", "side-by-side"))
    background: str = _opt("blur", "blur | color:#RRGGBB | image:PATH | video:PATH | transparent")
    blur_strength: float = _opt(0.03, "background blur (Gaussian sigma) as a fraction of the long "
                                "side as shown (below 0.003 it blurs as 0.003)",
                                lo=0.0, hi=0.2)
    decontaminate: str = _opt("auto", "estimate the subject's own colours in its soft edge (blur-fusion, "
                              "Forte & Pitie 2021), so that the old background's colour does not show as a rim "
                              "in a cutout or over a new background; only pixels of alpha 1-254 change "
                              "(140-180 ms a 1080p frame, 2 cores): on, off, auto = for still images only",
                              choices=("auto", "on", "off"))
    jpeg_quality: int = _opt(95, "quality of a photo's composite, side-by-side or mask written as JPEG "
                             "(livecut image -o cut.jpg); from 90 up its colour is kept at full resolution "
                             "(4:4:4), below 90 at half each way (4:2:0: a smaller file, a saturated edge "
                             "smeared), as ImageMagick writes", lo=1, hi=100)


@dataclass(frozen=True)
class SmoothConfig(_Checked):
    enabled: bool = _opt(True, "temporal smoothing of the mask in video")
    rate: float = _opt(0.02, "base EMA rate on a still scene, a frame of 25 fps (at another frame rate the "
                  "same average over time; 1 = no averaging; the hysteresis still applies)", lo=0.01, hi=1.0)
    motion_rate: float = _opt(0.9, "EMA rate where the image moves, a frame of 25 fps (as rate)", lo=0.01, hi=1.0)
    motion_threshold: float = _opt(12.0, "change of the image (0-255 gray levels, above a noise floor "
                                   "of 1.5) at which the rate reaches motion_rate (it rises linearly up to it)",
                                   lo=0.5, hi=255.0)
    motion_spread: float = _opt(0.1, "how far around a change (fraction of the frame width) "
                                "the rate rises too", lo=0.0, hi=0.5)
    hysteresis: float = _opt(0.1, "half-width of the hysteresis band around the threshold",
                             lo=0.0, hi=0.45)
    settle: int = _opt(6, "judged frames of 25 fps the mask must disagree with the smoothed one before it is "
                       "taken as is (at another frame rate the same time, 0.24 s: 2 frames at 10 fps, 14 at 60, "
                       "at most 255; a judgement served again, segment.still / segment.every, is not "
                       "counted again; 0 = never; also turns off the clearing of residue)", lo=0, hi=250)
    scene_cut: float = _opt(40.0, "mean abs frame change (0-255) that resets the smoother",
                            lo=1.0, hi=255.0)
    hold: int = _opt(50, "frames of 25 fps with nothing in focus (a whip pan, a focus hunt) through which the "
                     "last mask is held (at another frame rate the same time, 2 s) (a cut or pan to another scene ends it once the view settles); "
                     "after that the empty mask is smoothed in as any change (0 = no hold)", lo=0, hi=100000)


@dataclass(frozen=True)
class VideoConfig(_Checked):
    codec: str = _opt("libx264", "video encoder for .mp4 .mkv .mov .avi output (.webm: VP9 unless "
                      "this is a libvpx one; a transparent .mov: ProRes 4444 unless this is qtrle or png, which keep "
                      "transparency there too; a transparent .mkv: libvpx-vp9, libvpx or ffv1 only)")
    crf: float = _opt(20.0, "x264/x265/VP9 constant rate factor (lower = better; x264 takes "
                      "0-51, higher acts as 51; x265 refuses above 51; VP9 takes 0-63, VP8 4-63; x264 and x265 "
                      "take fractions, 18.5, VP9 whole numbers; mpeg4, mjpeg, mpeg1video, mpeg2video: their fixed quantiser, "
                      "ffmpeg -q:v 2^((crf-8)/6) rounded, 1-31: 20 gives 4)", lo=0, hi=63)
    preset: str = _opt("veryfast", "x264/x265 speed preset")
    queue_size: int = _opt(4, "frames buffered between the pipeline threads", lo=1, hi=256)
    open_timeout: float = _opt(10.0, "seconds to wait for a network stream to open", lo=0.5, hi=600)
    read_timeout: float = _opt(5.0, "seconds without a frame before a stream counts as stalled, "
                               "a camera whose reads fail as gone, or a tcp://, rtsp:// (over TCP), rtsps://, rtmp:// or rtmps:// "
                               "output's receiver that takes no data as stalled", lo=0.5, hi=600)
    reconnect: bool = _opt(True, "reconnect to a network stream that stalls or drops, and open again a camera that is lost")
    rtsp_transport: str = _opt("tcp", "RTSP transport (an rtsps:// one is always tcp)", choices=RTSP_TRANSPORTS)
    tls_verify: bool = _opt(True, "check the certificate of an https:// rtsps:// rtmps:// input, and of an "
                            "rtsps:// or rtmps:// output's server, against the CA store (SSL_CERT_FILE can name one); "
                            "false reads a camera (or publishes to a server) with a self-signed certificate")
    reconnect_limit: float = _opt(300.0, "give up reconnecting after this many seconds without a frame "
                                  "(0 = never)", lo=0, hi=86400)
    pipe_format: str = _opt("nut", "container for `-o -`: nut (raw frames, lossless, keeps alpha) "
                            "or mpegts (H.264)", choices=("nut", "mpegts"))
    stream_bitrate: int = _opt(4000, "kbit/s of the H.264 stream sent to udp://, tcp://, srt://, rtsp://, "
                               "rtsps://, rtmp://, rtmps:// and `-o -` as mpegts", lo=100, hi=100000)
    yuv: str = _opt("auto", "file -> yuv420p video file: pass frames as YUV 4:2:0 (no colour conversion) "
                    "when nothing needs BGR (auto) or always convert to BGR (off)", choices=("auto", "off"))
    deinterlace: str = _opt("auto", "interlaced video (a camcorder's 1080i, DV, a TV recording, an IPTV stream): "
                            "deinterlace with bwdif, a frame for a frame (auto: when the video says it is "
                            "interlaced; on: every frame; off: cut the woven fields as they are)",
                            choices=("auto", "on", "off"))
    segment_ahead: str = _opt("auto", "file runs: segment each frame in the reader thread while the one "
                              "before is composited (auto: on more than 2 CPUs, where the processing thread "
                              "is the bottleneck; true/on, false/off)", choices=("auto", "on", "off"))


@dataclass(frozen=True)
class Config:
    segment: SegmentConfig = field(default_factory=SegmentConfig)
    composite: CompositeConfig = field(default_factory=CompositeConfig)
    smooth: SmoothConfig = field(default_factory=SmoothConfig)
    video: VideoConfig = field(default_factory=VideoConfig)

    def __post_init__(self) -> None:
        for name, cls in SECTIONS.items():
            value = getattr(self, name)
            if not isinstance(value, cls):
                raise ConfigTypeError(f"Config.{name} must be a {cls.__name__}, got {type(value).__name__}")


SECTIONS: dict[str, type] = {"segment": SegmentConfig, "composite": CompositeConfig,
            "smooth": SmoothConfig, "video": VideoConfig}


def check_arguments(cls: type, section: str | None = "") -> type:
    """Give the dataclass ``cls`` an ``__init__`` that refuses an argument it has no field for
    (``SegmentConfig(bogus=1)``, one given twice, too many by position) with a
    :class:`ConfigTypeError` naming it, as a file's unknown key is named (the dataclass's own
    was a bare TypeError); ``dataclasses.replace`` goes through it too.  ``section`` is the
    configuration section ``cls`` holds (``segment``), None for :class:`Config` (its fields are
    sections), ``""`` for another dataclass (``SinkInfo``, ``SourceInfo``: a close spelling is
    hinted).  Gives back ``cls``, so that it can decorate one.  (Made once per object, never
    per frame.)"""
    init = cls.__init__
    names = [f.name for f in fields(cls) if f.init]
    known = frozenset(names)

    @functools.wraps(init)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(names) or not known.issuperset(kwargs) or kwargs.keys() & set(names[:len(args)]):
            what = "settings" if section else "sections" if section is None else "arguments"
            if len(args) > len(names):
                why = f"takes {len(names)} {what} by position, got {len(args)}"
            elif not known.issuperset(kwargs):
                key = next(k for k in kwargs if k not in known)
                if section:
                    why = f"unknown key {section}.{_brief(key)}{_key_hint(section, key)}"
                elif section is None:
                    why = f"unknown section {key}{_did_you_mean(key, SECTIONS)}"
                else:
                    why = f"unknown argument {key}{_did_you_mean(key, names)}"
            else:
                why = f"{next(k for k in names[:len(args)] if k in kwargs)} given twice"
            raise ConfigTypeError(f"{cls.__name__}: {why} (known: {', '.join(names)})")
        init(self, *args, **kwargs)

    cls.__init__ = __init__
    return cls


for _name, _cls in SECTIONS.items():
    check_arguments(_cls, _name)
check_arguments(Config, None)


def presets_dir() -> Path:
    """Folder holding the shipped TOML presets (repo ``config/`` or the installed copy)."""
    here = Path(__file__).resolve().parent
    for cand in (here / "_presets", here.parent / "config"):
        if (cand / "default.toml").is_file():
            return cand
    raise ConfigError("the shipped presets (config/default.toml) are missing from this install")


def _as_preset(name: str) -> Path | None:
    """The shipped preset file ``name`` stands for (it may not exist), or None for a file
    path: a name with a suffix, a path (``./fast``), or a file here whose name is no shipped
    preset's (a shipped preset's name is the preset, a file of it here or not).  (A folder of the same name in the
    current one, e.g. quality/, does not hide the preset; a pipe, -c <(...) or /dev/stdin,
    is read.)"""
    try:
        return _preset_of(name)
    except OSError:  # (a name too long for a file's: "internal error: OSError: [Errno 36] File name too
        return None  # long", exit 1; read as a file, it is "cannot read config: File name too long", exit 2)


def _preset_of(name: str) -> Path | None:
    p = Path(name)
    # (a file of a shipped preset's name here, fast, hid the preset as a folder did: -c fast read
    # it, "fast: invalid TOML", and so did a file's preset = "fast" from anywhere, though a base
    # file is read beside the file that names it; ./fast reads such a file)
    if name and not p.suffix and os.sep not in name and "/" not in name and not name.startswith("~") \
            and (presets_dir() / f"{name}.toml").is_file():
        return presets_dir() / f"{name}.toml"
    # (a path, ./fast or /etc/livecut/site, is a file's: it was read as config/./fast.toml, the
    # shipped preset whatever the folder held, as /etc/livecut/site.toml, and ../pyproject as the
    # checkout's pyproject.toml; a folder named alone, shots/, is still said as one, below)
    if p.suffix or (p.exists() and not p.is_dir()) or "/" in name.rstrip("/") or os.sep in name.rstrip(os.sep) \
            or name.startswith("~"):
        return None
    return presets_dir() / f"{name}.toml"


def preset_names() -> list[str]:
    return sorted(p.stem for p in presets_dir().glob("*.toml"))


def _shown(value: Any) -> str:
    """A value in an error as it was written: ``true``, not Python's ``True``; an integer too
    long to be written (Python's str() refuses past 4300 digits) as its count of digits."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 1000:
        return f"an integer of {_digits(value)} digits"
    if isinstance(value, (datetime.date, datetime.time)):  # (TOML's dates: it was "got datetime.date(1979, 5, 27)")
        return value.isoformat()
    # (a byte of an argument that is not UTF-8, caf\xe9, is said as such: it was 'caf\udce9')
    if isinstance(value, str) and len(value) > _LONG:  # (a pasted blob: the message's point came after it)
        return f"{quoted(value[:_LONG])}... ({len(value)} characters)"
    if isinstance(value, str):
        return quoted(value)
    if isinstance(value, (list, dict)):
        # (a TOML array was said in Python's words, "got [True, False]", "[datetime.date(1979, 5, 27)]",
        # and whole, however long: as TOML writes it, cut as a long string is)
        shown = (f"[{', '.join(_shown(v) for v in value)}]" if isinstance(value, list)
                 else f"{{{', '.join(f'{k} = {_shown(v)}' for k, v in value.items())}}}")
        return shown if len(shown) <= _LONG else f"{shown[:_LONG]}... ({len(value)} items)"
    return str(value).lower() if isinstance(value, bool) else repr(value)


_LONG = 60  # characters of a value or a key shown in a message; a longer one is cut, its length said


def _brief(name: str) -> str:
    """A key or section's name as a message shows it: a long one cut, its length said; a character
    that shows as nothing or as a space (a zero-width space, a no-break space, a soft hyphen pasted
    with it) written escaped, as a value's is: "unknown section [segment]; did you mean segment?"
    named the same word twice.  (A byte of an argument that is not UTF-8 is left to the message's
    writer, which says it as \\xe9.)"""
    name = re.sub(r"[^\udc80-\udcff]", lambda m: m[0] if m[0].isprintable() else repr(m[0])[1:-1], name) \
        if not name.isprintable() else name
    return name if len(name) <= _LONG else f"{name[:_LONG]}... ({len(name)} characters)"


def _digits(value: int) -> int:
    """The count of decimal digits of ``value``, without str() (which refuses past 4300)."""
    value = abs(value)
    n = max(1, int((value.bit_length() - 1) * math.log10(2)))
    while 10 ** n <= value:
        n += 1
    return n


#: keys that were booleans and now take "auto" too: true and false (as a file, an override or the
#: dataclass were given them) still mean on and off (composite.decontaminate, never one, takes them too)
_WAS_BOOLEAN = frozenset({"video.segment_ahead", "composite.decontaminate"})

#: keys whose words are FFmpeg's or x264's names, all lower case: taken in any case (video.codec=VP8
#: was written as VP9 into a .webm, warning 'video.codec VP8: a .webm is written as VP9';
#: video.preset=VeryFast refused, 'not an x264/x265 preset (one of ..., veryfast, ...)')
_LOWER_CASE = frozenset({"video.codec", "video.preset"})


def _as_on_off(value: Any) -> Any:
    """``value`` of a key of :data:`_WAS_BOOLEAN`: a boolean (or 0/1, true/false/yes/no as text,
    as a boolean key takes them) as "on" / "off"; anything else as it is."""
    if isinstance(value, bool) or isinstance(value, int) and value in (0, 1):
        return "on" if value else "off"
    # ("On" as a boolean key takes it: it was refused, "TRUE" taken)
    if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        return "on" if value.lower() in ("1", "true", "yes", "on") else "off"
    return value


def _coerce(section: str, f: dataclasses.Field, value: Any) -> Any:
    key = f"{section}.{f.name}"
    default = f.default
    meta = f.metadata
    choices = meta.get("choices")
    if key == "segment.method":
        choices = _method_names(choices)
    numpy = sys.modules.get("numpy")  # (a value of numpy's is made with numpy loaded)
    if numpy is not None and isinstance(value, numpy.generic):
        # (np.bool_ is no bool, nor an int: soft = np.False_ was refused, "got np.False_", and
        # threshold = np.True_ taken as 1.0, where True is refused; np.int64 was taken)
        value = value.item()
    if isinstance(value, Mapping):  # ([segment.threshold], threshold.x = ...: it was "got {}", Python's words)
        want = ("true or false" if isinstance(default, bool) else "an integer" if isinstance(default, int)
                else "a number" if isinstance(default, float) else f"one of {', '.join(choices)}" if choices
                else "a string")
        raise ConfigError(f"{key}: expected {want}, got a table ([{key}]); {f.name} is a key: {f.name} = VALUE "
                          f"under [{section}]")
    if isinstance(default, bool):
        if isinstance(value, bool):
            out: Any = value
        elif isinstance(value, int) and value in (0, 1):  # (an override key=1 parses as an integer)
            out = bool(value)
        elif isinstance(value, str) and value.lower() in ("1", "true", "yes", "on"):
            out = True
        elif isinstance(value, str) and value.lower() in ("0", "false", "no", "off"):
            out = False
        else:
            raise ConfigError(f"{key}: expected true or false, got {_shown(value)}")
    elif isinstance(default, int):
        try:
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            if isinstance(value, str):  # ("320.0" quoted, as 320.0 is taken: it was refused, "320" taken)
                try:
                    out = int(value)
                except ValueError:
                    whole = float(value)
                    if not whole.is_integer():  # (nor inf or nan)
                        raise ValueError from None
                    out = int(whole)
            else:
                out = int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{key}: expected an integer, got {_shown(value)}") from None
    elif isinstance(default, float):
        try:
            if isinstance(value, bool):
                raise ValueError
            out = float(value)
        except OverflowError:  # (an integer of 309 digits or more: it was an internal error, exit 1)
            raise ConfigError(f"{key}: expected a finite number, got an integer of {_digits(value)} "
                              "digits") from None
        except (TypeError, ValueError):
            # (0,5 as a decimal comma writes it, in much of Europe: "got '0,5'" and no more)
            comma = isinstance(value, str) and re.fullmatch(r"\s*[+-]?(\d*),(\d+)\s*", value)
            comma = comma and not _thousands(comma[1], comma[2])
            hint = f" (a number is written with a point: {value.strip().replace(',', '.')})" if comma else ""
            raise ConfigError(f"{key}: expected a number, got {_shown(value)}{hint}") from None
        # NaN passes every comparison below; inf only where the key has no bound
        if math.isnan(out):
            raise ConfigError(f"{key}: expected a number, got nan")
        if math.isinf(out) and (f.metadata.get("lo") is not None and out < 0
                                or f.metadata.get("hi") is not None and out > 0):
            shown = _shown(value) if isinstance(value, float) else out  # (1e999 as written: it was inf)
            raise ConfigError(f"{key}: expected a finite number, got {shown}")
    else:
        if key in _WAS_BOOLEAN:  # (true/false, as it was written when it was a boolean key)
            value = _as_on_off(value)
        if not isinstance(value, str):
            # (video.deinterlace = true, an override segment.tta=true: "expected a string, got True",
            # without the words it takes)
            want = f"one of {', '.join(choices)}" if choices else "a string"
            raise ConfigError(f"{key}: expected {want}, got {_shown(value)}")
        out = value.lower() if key in _LOWER_CASE else value
    if choices and out not in choices:  # (a keyword in any case, as a background's: model = "Auto" was refused)
        out = next((c for c in choices if c.casefold() == out.casefold()), out)
    # (segment.method=focsu named the methods but not the one meant, as a misspelt key's is)
    meant = _did_you_mean(str(out), choices) if choices and out not in choices else ""
    if choices and out not in choices and key in _WAS_BOOLEAN:  # (the words it takes besides its choices)
        raise ConfigError(f"{key}: {_shown(out)} is not one of auto, on (true, yes, 1), off (false, no, 0){meant}")
    if choices and out not in choices:
        raise ConfigError(f"{key}: {_shown(out)} is not one of {', '.join(choices)}{meant}")
    if key == "composite.background":
        _check_background(key, out)
    # (an integer key given a whole float, 1e300, is said as written: it was the 301 digits it makes;
    # a number key given an integer, crf = -1, too: it was said as -1.0, a number not written)
    shown = out
    if isinstance(value, (_WrittenFloat, _WrittenInt)):  # (--set video.crf=1e3: it was said as 1000.0)
        shown = value
    elif isinstance(value, float) and isinstance(out, int) or (
            isinstance(value, int) and not isinstance(value, bool) and isinstance(out, float) and abs(value) < 10 ** 15):
        shown = value
    elif isinstance(value, str) and len(value) <= _LONG and isinstance(out, (int, float)) and not isinstance(out, bool):
        shown = value  # (work_size = "1e300" quoted: as written, not the 301 digits it makes)
    if meta.get("lo") is not None and out < meta["lo"]:
        raise ConfigError(f"{key}: {_shown_number(shown)} is below the minimum {meta['lo']}")
    if meta.get("hi") is not None and out > meta["hi"]:
        raise ConfigError(f"{key}: {_shown_number(shown)} is above the maximum {meta['hi']}")
    return out


def _thousands(whole: str, after: str) -> bool:
    """Whether ``WHOLE,AFTER`` may be a thousands separator's (1,000), not a decimal comma's (0,5)."""
    return len(after) == 3 and whole not in ("", "0")


def _shown_number(value: Any) -> str:
    """A number out of range as written, or an integer too long to write as its digits' count."""
    shown = _shown(value)
    return shown if shown.startswith("an integer") else str(value)


class _WrittenFloat(float):
    """A number of ``--set`` or a ``-c`` file that says itself as it was written, ``1e3`` (Python's
    repr is ``1000.0``), in a message (:func:`_as_written`)."""

    written = ""

    def __repr__(self) -> str:
        return self.written

    __str__ = __repr__


class _WrittenInt(int):
    """An integer so (``1_000``, ``0x40``): :class:`_WrittenFloat`."""

    written = ""

    def __repr__(self) -> str:
        return self.written

    __str__ = __repr__


def _as_written(value: Any, text: str | None) -> Any:
    """``value``, a number TOML read from ``text`` (``1e3`` -> 1000.0), as one that a message
    shows as ``text`` (it was ``1000.0``, a number not written); anything else, or a ``text``
    that does not read as ``value`` (a guess at a file's line), as it is."""
    if text is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    text = re.split(r"\s*#", text, maxsplit=1)[0].strip()  # (a number holds no #: a comment)
    if not text or len(text) > _LONG or text == repr(value):
        return value
    try:
        again = tomllib.loads(f"v = {text}")
    except (tomllib.TOMLDecodeError, ValueError):
        return value
    if list(again) != ["v"] or type(again["v"]) is not type(value) or again["v"] != value:
        return value
    out = (_WrittenFloat if isinstance(value, float) else _WrittenInt)(value)
    out.written = text
    return out


def _check_background(key: str, value: str) -> None:
    """A ``composite.background`` that is no background (``nonsense``, a colour that is not
    one, ``image:`` without a path, a URL) is refused where the value is read, naming the key
    (and the file), as a bad choice is; it was refused only where a command made the
    background, naming neither. The picture or video itself is looked for when it is used:
    ``-b`` may replace it, a batch worker reads it on its own node."""
    kind, colon, rest = value.strip().partition(":")
    if not colon and kind.lower() in ("blur", "transparent", "none"):
        return  # (the usual words: no need to load the compositor, and OpenCV with it)
    if kind.lower() in ("image", "video") and rest:
        from livecut.urls import url_scheme

        if not url_scheme(rest):
            return
    from livecut.composite import parse_background  # (the one parser; it reads no file here)

    try:
        parse_background(value)
    except ConfigError as exc:  # "background 'x': why" -> "composite.background: 'x': why"
        said = str(exc).removeprefix("background ").replace(repr(value), _shown(value), 1)
        raise ConfigError(f"{key}: {said}") from None


def _method_names(shipped: tuple[str, ...]) -> tuple[str, ...]:
    """The methods ``segment.method`` may name: the shipped ones and those an application
    registered (:func:`livecut.segment.register_method`; once it has, the registry is loaded)."""

    registry = sys.modules.get("livecut.segment.registry")
    if registry is None:
        return shipped
    return shipped + tuple(n for n in registry.method_names() if n not in shipped)


def section_config(config: Any, cls: type, owner: str) -> Any:
    """The ``cls`` section (e.g. :class:`SegmentConfig`) of what ``owner`` (a class taking a
    ``config``) was given: a :class:`Config`, the section itself or None (defaults); else a
    :class:`ConfigTypeError` saying what to give."""
    if config is None:
        return cls()
    if isinstance(config, Config):
        return getattr(config, next(name for name, c in SECTIONS.items() if c is cls))
    if isinstance(config, cls):
        return config
    hint = f"; for a preset or a file, load_config({str(config)!r})" if isinstance(config, (str, Path)) else ""
    raise ConfigTypeError(f"{owner}: config must be a Config (see load_config), a {cls.__name__} or None, "
                          f"got {type(config).__name__}{hint}")


def whole_config(config: Any, owner: str) -> Config:
    """The :class:`Config` ``owner`` (a function or class taking a whole configuration: the
    runner's) was given, None for the defaults; else a :class:`ConfigTypeError` saying what to
    give (None, a preset's name or a section was an AttributeError: 'NoneType' object has no
    attribute 'composite')."""
    if config is None:
        return Config()
    if isinstance(config, Config):
        return config
    hint = f"; for a preset or a file, load_config({str(config)!r})" if isinstance(config, (str, Path)) else ""
    raise ConfigTypeError(f"{owner}: config must be a Config (see load_config) or None, "
                          f"got {type(config).__name__}{hint}")


def apply_mapping(cfg: Config, data: Mapping[str, Any], origin: str = "config") -> Config:
    """Return ``cfg`` with the values of a nested mapping ``{section: {key: value}}`` applied."""
    new_sections = {}
    for section, values in data.items():
        if section not in SECTIONS and not isinstance(values, Mapping):
            raise ConfigError(f"{origin}: {_brief(section)} is outside any section{_top_level_hint(section)}")
        if section not in SECTIONS:
            raise ConfigError(f"{origin}: unknown section [{_brief(section)}]{_did_you_mean(section, SECTIONS)} "
                              f"(known: {', '.join(SECTIONS)})")
        if not isinstance(values, Mapping):
            # (it was "[segment] must be a table", a table being the [segment] the user had not written)
            if isinstance(values, list) and all(isinstance(v, Mapping) for v in values):
                raise ConfigError(f"{origin}: [[{section}]] is a list of tables; write [{section}] (single "
                                  "brackets), its keys under it")
            raise ConfigError(f"{origin}: {section} = {_shown(values)}: {section} is a section; write [{section}] "
                              "on a line of its own, its keys under it")
        cls = SECTIONS[section]
        by_name = {f.name: f for f in fields(cls)}
        changes = {}
        for key, value in values.items():
            if key == "preset" and key not in by_name and origin != OVERRIDE and isinstance(value, str):
                # (added at a file's end, it lands in the last [section]: it was answered with
                # video.preset, x264's speed, not the base preset meant)
                raise ConfigError(f"{origin}: preset = {value!r} is under [{section}]; a file's base preset "
                                  "goes at its top, above every [section] (video.preset is x264's speed)")
            if key not in by_name:
                raise ConfigError(f"{origin}: unknown key {section}.{_brief(key)}{_key_hint(section, key)} "
                                  f"(known: {', '.join(by_name)})")
            try:
                changes[key] = _coerce(section, by_name[key], value)
            except ConfigError as exc:  # (name the file the value came from)
                raise ConfigError(f"{origin}: {exc}") from None
        old = new_sections.get(section, getattr(cfg, section))
        new_sections[section] = replace(old, **changes)
        object.__setattr__(new_sections[section], "_named",
                           named_keys(old) | (set(changes) if origin == OVERRIDE else set()))
    return replace(cfg, **new_sections)


def named_keys(section: Any) -> frozenset[str]:
    """The keys of the section ``section`` (a :class:`VideoConfig` ...) that an override (``--set``)
    named (:func:`apply_mapping`), at its default value too: ``--set video.codec=libx264`` asks for
    H.264 as ``libx265`` asks for H.265, where the default leaves the choice to the output's type
    (a .webm's VP9); a file's keys are not counted (a copy of default.toml names every key)."""
    return frozenset(getattr(section, "_named", ()))


def _did_you_mean(word: str, names: Iterable[str], prefix: str = "") -> str:
    """``"; did you mean segment.threshold?"`` for a misspelt name, else ``""``."""
    import difflib

    close = difflib.get_close_matches(word.lower(), list(names), n=1, cutoff=0.75)
    return f"; did you mean {prefix}{close[0]}?" if close else ""


def check_options(options: Mapping[str, Any], known: Iterable[str], owner: str) -> None:
    """Refuse, as a :class:`ConfigTypeError` naming ``owner``, an option of ``options`` whose name
    is none of ``known`` (a misspelt ``forse=True`` was ignored without a word)."""
    for key in options:
        if key not in known:
            names = sorted(known)
            raise ConfigTypeError(f"{owner}: unknown option {key}{_did_you_mean(str(key), names)} "
                                  f"(known: {', '.join(names)})")


def _key_hint(section: str, key: str) -> str:
    """What an unknown ``section.key`` most likely meant: the same key in the section that
    has it (``segment.background`` -> ``composite.background``), or a close spelling."""
    elsewhere = [name for name, cls in SECTIONS.items()
                 if name != section and key.lower() in {f.name for f in fields(cls)}]
    if elsewhere:
        return f"; {key.lower()} is in [{elsewhere[0]}]: {elsewhere[0]}.{key.lower()}"
    own = [f.name for f in fields(SECTIONS[section])]
    hint = _did_you_mean(key, own, f"{section}.")
    if hint:
        return hint
    others = {f"{name}.{f.name}": f.name for name, cls in SECTIONS.items() if name != section
              for f in fields(cls)}
    close = [full for full, name in others.items() if _did_you_mean(key, [name])]
    return f"; did you mean {close[0]}?" if close else ""


def _top_level_hint(key: str) -> str:
    """What a key written above every ``[section]`` header of a file meant: ``threshold`` ->
    ``; did you mean segment.threshold (under [segment])?`` (also for a close spelling)."""
    if key != "preset" and (key.lower() == "preset" or _did_you_mean(key, ["preset"])):
        # (Preset = "fast", presets = "quality" -- a file's base, misspelt -- were answered with
        # video.preset alone, x264's speed, which takes "fast" too without a word)
        return (f"; did you mean preset (a file's base preset, at its top: preset = \"fast\"), or video.preset "
                "(under [video]: x264's speed)?")
    full = {f"{name}.{f.name}": (name, f.name) for name, cls in SECTIONS.items() for f in fields(cls)}
    exact = [k for k, (_, name) in full.items() if name == key.lower()]
    close = exact or [k for k, (_, name) in full.items() if _did_you_mean(key, [name])]
    if close:
        return f"; did you mean {close[0]} (under [{full[close[0]][0]}])?"
    return f" (a file holds [{'], ['.join(SECTIONS)}] and, at its top, only preset = ...)"


def _dotted(key: str) -> str:
    """``segment . threshold`` (spaces around the dot, as TOML takes a dotted key) as
    ``segment.threshold``: it was "unknown section [segment ]"."""
    return re.sub(r"^(\w+)\s*\.\s*", r"\1.", key)


def parse_override(text: str) -> dict[str, dict[str, Any]]:
    """``"segment.work_size=256"`` -> ``{"segment": {"work_size": "256"}}`` (value coerced later)."""
    if "=" not in text:
        # (a section alone, or a key without its value: both were "expected section.key=value")
        name = _dotted(text.strip())
        if name in SECTIONS:
            raise ConfigError(f"{OVERRIDE} {_shown(text)}: [{name}] is a section; give one of its keys and a value, "
                              f"section.key=value, e.g. {name}.{fields(SECTIONS[name])[0].name}=... (keys: "
                              f"{', '.join(f.name for f in fields(SECTIONS[name]))})")
        # (segment.threshold:0.5 or "segment.threshold 0.5" was answered with
        # "segment.threshold:0.5=VALUE", a key of its value)
        split = re.fullmatch(r"(\w+\.\w+)\s*(?::\s*|\s+)(\S.*)", name, re.S)
        if split:
            raise ConfigError(f"{OVERRIDE} {_shown(text)}: expected section.key=value: "
                              f"{_brief(split[1])}={_brief(split[2])}")
        if "." in name:
            raise ConfigError(f"{OVERRIDE} {_shown(text)}: no value; expected section.key=value: {_brief(name)}=VALUE")
        raise ConfigError(f"{OVERRIDE} {_shown(text)}: expected section.key=value")
    key, value = text.split("=", 1)
    key = _dotted(key.strip())
    if key == "preset":  # (it was "the key must be section.key, e.g. video.preset": x264's speed)
        shown = value.strip().strip("'\"")
        shown = shown if shown and len(shown) <= _LONG else "PRESET"
        raise ConfigError(f"{OVERRIDE} {_shown(text)}: a preset is chosen with load_config({shown!r}) (presets: "
                          f"{', '.join(preset_names())}); video.preset is x264's speed")
    if "." not in key:
        owners = [name for name, cls in SECTIONS.items() if key.lower() in {f.name for f in fields(cls)}]
        example = f"{owners[0]}.{key.lower()}" if owners else "segment.work_size"
        raise ConfigError(f"{OVERRIDE} {_shown(text)}: the key must be section.key, e.g. {example}")
    section, name = key.split(".", 1)
    value = value.strip()
    # allow TOML literals (numbers, booleans, quoted strings); fall back to the raw text
    # (a value with a second line, "0.5\nsegment.work_size=64000", read as TOML gave its first
    # line and dropped the rest, another key's, without a word: one value only, else the text)
    try:
        doc = tomllib.loads(f"v = {value}")
        parsed = _as_written(doc["v"], value) if len(doc) == 1 else value
        # (an inline table, {a = 1}, is no key's value: it was "got a table ([segment.threshold]);
        # threshold is a key: threshold = VALUE under [segment]", a file's words; said as written)
        parsed = value if isinstance(parsed, dict) else parsed
    except tomllib.TOMLDecodeError:
        parsed = value
    except ValueError:  # (an integer of over 4300 digits, which Python will not read: internal error)
        raise ConfigError(f"{OVERRIDE}: {key}: got an integer of {sum(c.isdigit() for c in value)} digits, "
                          "too long to read") from None
    return {section: {name: parsed}}


def text_codec(data: bytes, otherwise: str) -> str:
    """The codec of a text file's ``data``: ``"utf-16"`` where it opens with UTF-16's byte-order
    mark (Windows PowerShell's ``>`` and Out-File save text so), else ``otherwise``."""
    return "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else otherwise


#: the key of :func:`_read_toml`'s table that holds where each key is written (a NUL: no key a config writes)
_LINES = "\0lines"
#: and the text of each key's value, as written (``1e3``), for a message about it
_WRITTEN = "\0written"

#: how many files may name a base preset in a row (a -> b -> ...), each distinct
MAX_PRESET_DEPTH = 16

_MAX_CONFIG_BYTES = 16 << 20  # (config/default.toml is 10 KB)


#: leading bytes of the binary files most often given to -c by mistake, and what they are
_BINARY_KINDS = ((0, b"\x1a\x45\xdf\xa3", "a video (Matroska/WebM)"), (4, b"ftyp", "a video (MP4/MOV)"),
                 (0, b"\x89PNG", "a PNG image"), (0, b"\xff\xd8\xff", "a JPEG image"),
                 (0, b"GIF8", "a GIF image"), (0, b"II*\0", "a TIFF image"), (0, b"MM\0*", "a TIFF image"))


def _utf16_unmarked(data: bytes) -> str:
    """``"utf-16-le"`` or ``"utf-16-be"`` for a config's ``data`` that is UTF-16 without its
    byte-order mark (an editor's "UTF-16 LE without BOM", ``iconv -t UTF-16LE``): its first
    characters are Latin ones, each a byte and a NUL (a config opens with ``[``, ``#``, a key or a
    blank line: the first an ASCII one); else ``"utf-8"``.  (It was "a binary file, not a config
    file": a text file.)"""
    head = data[:min(len(data), 64) & ~1]
    if len(head) < 4:
        return "utf-8"
    for codec, nul, low in (("utf-16-le", head[1::2], head[0::2]), ("utf-16-be", head[0::2], head[1::2])):
        if not any(nul) and all(low) and low[0] < 0x80:
            return codec
    return "utf-8"


def _binary_kind(data: bytes) -> str:
    """What a file that holds NUL bytes looks like, for an error message."""
    if data[:4] == b"RIFF":
        return {b"AVI ": "a video (AVI)", b"WEBP": "a WebP image", b"WAVE": "a WAV sound"}.get(
            data[8:12], "a binary file")
    return next((kind for at, magic, kind in _BINARY_KINDS if data[at:at + len(magic)] == magic), "a binary file")


def _toml_key(text: str) -> str:
    """A TOML key as written (``"threshold"``, ``a . b``, ``"thresh\\u00f6ld"``) in its plain dotted
    form, as TOML reads it: a key in quotes with an escape in it was kept as written, not the
    key's name, and an error about it was said without its line."""
    plain = ".".join(part.strip().strip("\"'") for part in text.split("."))
    if "\\" not in text:  # (no escape: as written; each key line of a file passes here)
        return plain
    try:
        doc: Any = tomllib.loads(f"{text} = 0")
    except (tomllib.TOMLDecodeError, ValueError):
        return plain
    parts = []
    while isinstance(doc, dict) and len(doc) == 1:
        (name, doc), = doc.items()
        parts.append(name)
    return ".".join(parts)


def _toml_header(line: str) -> str | None:
    """The table a TOML line ``[segment]`` (or ``[[x]]``) opens, dotted; None for another line."""
    head = re.fullmatch(r"\s*\[\[?([^\[\]]+)\]\]?\s*(#.*)?", line)
    return _toml_key(head[1]) if head else None


def _toml_headers(lines: list[str]) -> Iterable[tuple[int, str]]:
    """(line number, table) of each table header of ``lines``."""
    for n, line in enumerate(lines, 1):
        head = _toml_header(line)
        if head is not None:
            yield n, head


def _toml_error(text: str, message: str) -> tuple[int | None, str]:
    """tomllib's ``message`` for the TOML ``text``, in the file's words where it spoke Python's or
    named nothing: a key given twice was "Cannot overwrite a value (at line 3, column 16)", without
    the key; a section given twice "Cannot declare ('segment',) twice", a Python tuple. Returned
    with the line it is about, which the message leaves to its ``FILE, line N:`` (as every other
    error of a file's says its line: "Invalid value (column 13)"); None where it has none."""
    m = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", message, re.S)
    end = re.fullmatch(r"(.*) \(at end of document\)", message, re.S)
    if end:
        # (a string, an array or a [section] left open -- a closing quote forgotten on the last
        # line, a """ reaching to the end -- was said without a line: the one it is opened on)
        opened = _opened_at(text)
        if opened is not None:
            return opened, f"{end[1]} (opened there, still open at the end of the file)"
    if not m:
        return None, message
    if "\r" in text.rstrip() and "\n" not in text:
        # (lines ended by CR alone, as classic Mac OS saved text: all one line to TOML, which said
        # "Expected newline or end of document after a statement (at line 1, column 10)"; TOML's
        # line and column, not the ones an editor shows: said as TOML's, the file's alone)
        return None, (f"{message}; its lines end in CR alone (classic Mac OS), which TOML does not take: save it "
                      "with LF or CRLF")
    what, line = m[1], int(m[2])
    message = f"{what} (column {m[3]})"
    declared = re.fullmatch(r"Cannot declare (\(.*\)) twice", what, re.S)
    if declared:
        try:
            name = ".".join(ast.literal_eval(declared[1]))
        except (ValueError, SyntaxError, TypeError):
            return line, message
        first = next((n for n, head in _toml_headers(text.splitlines()[:line - 1]) if head == name), None)
        where = f" (first at line {first})" if first else ""
        return line, f"[{_brief(name)}] is declared twice{where}; give each section once, its keys under it"
    return line, _toml_said(text, message, what, line, int(m[3]))


def _opened_at(text: str) -> int | None:
    """The line of the TOML ``text`` that opens what is still open at its end (tomllib says
    "at end of document"): the one after the longest run of whole lines that reads as TOML (a
    file of over 2000 lines, none)."""
    lines = text.splitlines(keepends=True)
    if len(lines) > 2000:
        return None
    for n in range(len(lines) - 1, -1, -1):
        try:
            tomllib.loads("".join(lines[:n]))
        except (tomllib.TOMLDecodeError, ValueError):
            continue
        return n + 1
    return None


def _toml_said(text: str, message: str, what: str, line: int, column: int) -> str:
    """:func:`_toml_error`'s words for tomllib's ``what`` at ``line`` and ``column`` of ``text``
    (``message``: ``what (column N)``), the line left to its caller."""
    lines = text.splitlines()
    if what == "Invalid value" and 0 < line <= len(lines):
        # (a word unquoted, method = focus or soft = True, as INI and YAML write them: it was
        # "Invalid value (at line 2, column 10)" and no more)
        written = lines[line - 1]
        pair = re.match(r"\s*(.+?)\s*=", written)
        if pair and len(written) - len(written[pair.end():].lstrip()) != column - 1:
            pair = None  # (the value is not the key's own: in an array, [focus], or an inline table)
        value = re.split(r"\s+#", written[column - 1:], maxsplit=1)[0].strip()
        key = _toml_key(pair[1]) if pair else ""
        section = next((head for _, head in reversed(list(_toml_headers(lines[:line - 1])))), "")
        default = next((f.default for f in fields(SECTIONS[section]) if f.name == key), None) \
            if section in SECTIONS else None
        if len(key) > _LONG or len(value) > _LONG:  # (a pasted blob: said twice, its point came after it)
            return message
        if pair and re.fullmatch(r"[+-]?\.\d+", value):  # (.5, as Python and YAML take it)
            return f"{message}: {key} = {value}: TOML writes a fraction with its 0, {key} = {value.replace('.', '0.')}"
        if pair and re.fullmatch(r"#[0-9A-Fa-f]{3,8}", value):  # (TOML's # begins a comment: no value)
            return f"{message}: {key} = {value}: TOML reads # as a comment; a word is written in quotes, {key} = \"{value}\""
        if pair and re.match(r"[A-Za-z]", value) and "\"" not in value:
            if (isinstance(default, bool) and value.lower() in ("true", "false", "yes", "no", "on", "off")
                    or default is None and value.lower() in ("true", "false")):  # (a key it does not know)
                plain = "true" if value.lower() in ("true", "yes", "on") else "false"
                return (f"{message}: {key} = {value}: TOML writes a boolean as true or false, lower case: "
                        f"{key} = {plain}")
            if isinstance(default, bool):
                return f"{message}: {key} = {value}: {section}.{key} is true or false"
            if isinstance(default, (int, float)):
                return f"{message}: {key} = {value}: {section}.{key} is a number, written as digits"
            return f"{message}: {key} = {value}: TOML writes a word in quotes, {key} = \"{value}\""
    if what.startswith("Expected newline or end of document") and 0 < line <= len(lines):
        # (threshold = 0,5, a decimal comma, read as 0 and a stray ",5")
        comma = re.fullmatch(r"\s*(.+?)\s*=\s*([+-]?\d+),(\d+)\s*(#.*)?", lines[line - 1])
        if comma and not _thousands(comma[2].lstrip("+-"), comma[3]) and len(comma[0]) <= _LONG:
            key = _toml_key(comma[1])
            return (f"{message}: {key} = {comma[2]},{comma[3]}: a number is written with a point, "
                    f"{key} = {comma[2]}.{comma[3]}")
    if what != "Cannot overwrite a value":
        return message
    header, seen = "", {}  # (the table each key line is in, and where each full key was first given)
    for n, written in enumerate(lines[:line], 1):
        head = _toml_header(written)
        if head is not None:
            header = head
            if n == line and head in seen:  # ([segment.threshold] after threshold = 0.5 under [segment])
                head = _brief(head)
                return (f"[{head}]: {head} is a key, given a value at line {seen[head]}; a key "
                        "is not a section")
            continue
        pair = re.match(r"\s*([A-Za-z0-9_\-.\s\"']+?)\s*=", written)
        if not pair or written.lstrip().startswith("#"):
            continue
        key = ".".join(filter(None, (header, _toml_key(pair[1]))))
        if n == line and key in seen:
            return f"{_brief(key)} is given twice (first at line {seen[key]}); give each key once"
        parent = next((k for k in seen if key.startswith(f"{k}.")), None) if n == line else None
        if parent:  # (refine.radius = 1 after refine = "auto": a key of a key)
            return (f"{_brief(key)}: {_brief(parent)} is a key, given a value at line {seen[parent]}; "
                    "a key holds no keys")
        seen.setdefault(key, n)
    return message


def _toml_lines(text: str, written: dict[str, str] | None = None) -> dict[str, int]:
    """The line each table and key of the TOML ``text`` is first written on, by its dotted name
    (``segment``, ``segment.threshold``; a dotted key's parents too), for a message; and, into
    ``written``, the text after each key's ``=`` (for :func:`_as_written`)."""
    at: dict[str, int] = {}
    header = ""
    for n, line in enumerate(text.splitlines(), 1):
        head = _toml_header(line)
        if head is not None:
            header = head
            at.setdefault(head, n)
            continue
        # (a key in quotes holds any letter, "thrésh" = 1: it was said without its line)
        pair = re.match(r"\s*((?:\"[^\"\n]*\"|'[^'\n]*'|[A-Za-z0-9_\-.\s])+?)\s*=", line)
        if pair and not line.lstrip().startswith("#"):
            parts = [p for p in (header, _toml_key(pair[1])) if p]
            full = ".".join(parts)
            at.setdefault(full, n)
            value = line[pair.end():]
            if written is not None:
                written.setdefault(full, value)
            if value.lstrip().startswith("{"):
                # (an inline table, segment = {threshold = 2}, is written on one line: its keys' line;
                # they were said without one)
                for inner, text in re.findall(r"(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+)\s*=\s*([^,{}]*)", value):
                    at.setdefault(f"{full}.{_toml_key(inner)}", n)
                    if written is not None:
                        written.setdefault(f"{full}.{_toml_key(inner)}", text)
            while "." in full:
                full = full.rsplit(".", 1)[0]
                at.setdefault(full, n)
    return at


def _read_toml(path: Path) -> dict[str, Any]:
    if "\0" in str(path):  # (open's ValueError was taken for the integer one below: UnboundLocalError)
        raise ConfigError(f"{str(path)!r}: not a file name (a NUL character in it)")
    try:
        with open(path, "rb") as fh:
            # (a byte-order mark, as Notepad saves "UTF-8 with BOM", was "Invalid statement (at
            # line 1, column 1)" in a file that looks right)
            # (UTF-16 with its BOM, as Windows PowerShell's `>` and Out-File save text, was "not
            # UTF-8 text (byte 0)")
            # (a video or a disk image given to -c by mistake was read whole to say "invalid
            # TOML": 690 MB of memory for a 300 MB file, a 4 GB one twice that)
            data = fh.read(_MAX_CONFIG_BYTES + 1)
            if len(data) > _MAX_CONFIG_BYTES:
                raise ConfigError(f"{path}: over {_MAX_CONFIG_BYTES >> 20} MB: not a config file (a config is "
                                  "a short TOML text file, as config/default.toml)")
            codec = text_codec(data, "utf-8")
            codec = _utf16_unmarked(data) if codec == "utf-8" else codec
            if codec == "utf-8" and b"\0" in data[:65536]:
                # (a small video or a photo given to -c by mistake was "invalid TOML: not UTF-8 text
                # (at line 1, column 44: byte 0xca)", as if a text file had one odd letter)
                raise ConfigError(f"{path}: {_binary_kind(data)}, not a config file (a config is a short TOML "
                                  "text file, as config/default.toml)")
            text = data.decode(codec).removeprefix("\ufeff")
            read = tomllib.loads(text)
            # (where each key is, for a message about its value: it named the file and the key, not
            # its line, where a syntax error says its line)
            read[_WRITTEN] = {}
            read[_LINES] = _toml_lines(text, read[_WRITTEN])
            return read
    except FileNotFoundError:
        # (-c fast.toml or ./fast, meaning the shipped preset, is a file name: say what the
        # preset's is; ./site meaning ./site.toml: say that file)
        hint = ""
        if not path.suffix and path.with_suffix(".toml").is_file():
            hint = f" (did you mean {path.with_suffix('.toml')}?)"
        elif path.suffix in ("", ".toml") and (presets_dir() / f"{path.stem}.toml").is_file():
            hint = f" (the shipped preset is load_config({path.stem!r}))"
        raise ConfigError(f"{path}: config file not found{hint}") from None
    except IsADirectoryError:  # (it was "cannot read config: Is a directory")
        raise ConfigError(f"{path}: is a folder; give a preset ({', '.join(preset_names())}) or a .toml "
                          "file") from None
    except tomllib.TOMLDecodeError as exc:
        # (said 'my.toml: invalid TOML: Invalid value (at line 3, column 13)', where every other
        # error of a file's says 'my.toml, line 3: ...')
        line, said = _toml_error(text, str(exc))
        raise ConfigError(f"{_file_line(path, line)}: invalid TOML: {said}") from None
    except UnicodeDecodeError as exc:
        if exc.encoding.startswith("utf-16"):  # (a file cut short, an odd byte: it was "not UTF-8 text")
            why = ("its byte-order mark says" if text_codec(exc.object, "") else
                   "its first bytes are (no byte-order mark)")
            raise ConfigError(f"{path}: invalid TOML: not UTF-16 text, as {why} (byte "
                              f"{exc.start}: {exc.reason})") from None
        # (said by its byte's offset alone, "(byte 25)", where every other TOML error says its
        # line: a Latin-1 letter in a comment, as an old editor saves it, was hard to find)
        line = exc.object[:exc.start].count(b"\n") + 1
        before = exc.object[exc.object.rfind(b"\n", 0, exc.start) + 1:exc.start].decode("utf-8", "replace")
        column = len(before.removeprefix("\ufeff")) + 1  # (in characters, as tomllib counts them)
        raise ConfigError(f"{_file_line(path, line)}: invalid TOML: not UTF-8 text (column {column}: byte "
                          f"0x{exc.object[exc.start]:02x})") from None
    except ValueError:  # (an integer of over 4300 digits, which Python will not read: internal error)
        line = next((n for n, text in enumerate(data.decode(text_codec(data, "utf-8"), "replace").splitlines(), 1)
                     if re.search(r"\d[\d_]{4300}", text)), None)
        raise ConfigError(f"{_file_line(path, line)}: invalid TOML: an integer of over 4300 digits, too long to "
                          "read") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from None


def load_config(source: str | Path | None = None, overrides: Iterable[str] = (),
                _chain: tuple[Path, ...] = ()) -> Config:
    """Build a :class:`Config` from a preset name or TOML path, then ``overrides``
    (``"section.key=value"`` strings, the CLI's ``--set``; an error in one names it as an
    :data:`OVERRIDE`).

    ``source`` may be ``None`` (defaults), a preset name (``"fast"``) or a path to a
    TOML file.  A file may name a base preset with a top-level ``preset = "fast"``.
    """
    if source is not None and not isinstance(source, (str, os.PathLike)):
        # (a number or bytes: a bare TypeError from Path(); a Config: it is one already)
        hint = ": give it to Segmenter, Compositor or MaskSmoother as it is" if isinstance(source, Config) else ""
        raise ConfigTypeError(f"load_config: source must be a preset name, a .toml path or None, "
                              f"got {type(source).__name__}{hint}")
    # (a lone string was read character by character, "override 's': expected section.key=value";
    # a number, or None in the list, a bare TypeError)
    # (a dict's keys were read as the overrides, its values dropped: "override 'segment.every':
    # expected section.key=value")
    if isinstance(overrides, Mapping):
        raise ConfigTypeError("load_config: overrides must be a list of 'section.key=value' strings, not a "
                              "dict: e.g. [f'{k}={v}' for k, v in overrides.items()]")
    if not isinstance(overrides, (str, bytes)) and isinstance(overrides, Iterable):
        overrides = list(overrides)
    if not isinstance(overrides, list) or not all(isinstance(t, str) for t in overrides):
        raise ConfigTypeError("load_config: overrides must be a list of 'section.key=value' strings, "
                              "e.g. ['segment.threshold=0.5']")
    cfg = Config()
    if source is not None and not str(source):  # (-c "$PRESET" with PRESET unset; Path("") is ".")
        raise ConfigError(f"load_config: source is empty: give a preset ({', '.join(preset_names())}) or a .toml path")
    if source is not None:
        from livecut.urls import redact_url, url_scheme

        if url_scheme(str(source)):
            raise ConfigError(f"{redact_url(str(source))}: is a URL; load_config takes a preset name "
                              "or a local .toml file")
        # (~/x.toml from Python, or quoted: 'config file not found'; ~USER of a user this machine lacks
        # is left as written, as the shell leaves it: pathlib's expanduser raised RuntimeError, exit 1)
        path = Path(os.path.expanduser(source))
        candidate = _as_preset(str(source))
        if candidate is not None:
            if not candidate.is_file():
                folder = f"; {quoted(str(source))} is a folder" if path.is_dir() else ""
                # (-c site, site.toml here: it was said to be no preset, without the file, as
                # -c ./site says it)
                file = path.with_name(f"{path.name}.toml") if path.name else None
                try:
                    hint = f"; did you mean {file}?" if file is not None and file.is_file() else None
                except OSError:  # (a name too long for a file's)
                    hint = None
                if str(source) == "-":  # (as -o - is standard output: it was said to be no preset, no more)
                    hint = "; a configuration from standard input is -c /dev/stdin"
                raise ConfigError(f"unknown preset {quoted(str(source))}"
                                  f"{hint or _did_you_mean(str(source), preset_names())} "
                                  f"(known: {', '.join(preset_names())}; or give a .toml path{folder})")
            path = candidate
        data = _read_toml(path)
        lines = data.pop(_LINES, {})
        written = data.pop(_WRITTEN, {})
        folder = _folder_of(path)
        base = data_base = data.pop("preset", None)
        if base is not None:
            def refused(message: str) -> ConfigError:  # (naming the preset = line: it named the file alone)
                return _at_line(ConfigError(f"{path}: {message}"), path, lines.get("preset"))

            # (a file named after the preset it starts from, my/fast.toml with preset = "fast",
            # names the shipped one: it was refused; a file that names itself is a loop, below)
            if not isinstance(base, str):
                raise refused(f"preset = {_shown(base)}: preset must name another preset "
                              f"({', '.join(preset_names())}) or a .toml file, in quotes")
            # a file named by a relative path is found beside this file, not in the current folder
            # (~/ too: it was taken for absolute, then read as a folder named ~); a base that is
            # not there is said here, naming this file: it was "unknown preset 'x'" or "x.toml:
            # config file not found", without the file that asked for it
            if Path(base).suffix or "/" in base:
                base = str(folder / os.path.expanduser(base))  # (an absolute one as it is)
                if os.sep not in base and "/" not in base and not Path(base).suffix:
                    # ("./fast" beside a file of the current folder: pathlib makes it "fast", which
                    # loaded the shipped preset of that name, not the file)
                    base = os.path.join(os.curdir, base)
                try:
                    there = Path(base).exists()
                    # (a folder, preset = "shots/", was "shots: is a folder", not which file said so)
                    folder_base = Path(base).is_dir()
                except OSError:  # (a name too long for a file's: "internal error: OSError", exit 1;
                    there, folder_base = True, False  # read, it is "cannot read config: File name too long", exit 2)
                if folder_base:
                    raise refused(f"preset = {data_base!r}: {base} is a folder; name a .toml file or "
                                  f"a preset ({', '.join(preset_names())})")
                if not there:
                    shipped = Path(data_base).name  # (as -c fast.toml says it)
                    hint = (f" (the shipped preset is preset = \"{Path(shipped).stem}\")"
                            if Path(shipped).suffix == ".toml" and (presets_dir() / shipped).is_file() else "")
                    raise refused(f"preset = {data_base!r}: no file {base}{hint}")
            else:
                # (a bare name is a shipped preset's, never a file of the current folder's: a file
                # there named so, site, was read as the base, from one folder and not another)
                named = presets_dir() / f"{base}.toml"
                try:
                    shipped = named.is_file()
                except OSError:  # (a name too long for a file's)
                    shipped = False
                if not shipped:
                    raise refused(f"preset = {base!r}: unknown preset{_did_you_mean(base, preset_names())} (known: "
                                  f"{', '.join(preset_names())}; or a .toml path, beside this file)")
                base = str(named)
            chain = _chain + (path.resolve(),)
            names = " -> ".join(p.name for p in chain) + f" -> {Path(base).name}"
            if Path(base).resolve() in chain or (presets_dir() / f"{base}.toml").resolve() in chain:
                raise refused(f"presets name each other in a loop ({names})")
            if len(chain) > MAX_PRESET_DEPTH:  # (distinct files: it was said to be a loop)
                raise refused(f"presets are nested more than {MAX_PRESET_DEPTH} deep ({names})")
            cfg = load_config(base, _chain=chain)
        _paths_beside(data, folder)
        for section, values in data.items():  # (key by key, to say the line of the one refused)
            each = values.items() if section in SECTIONS and isinstance(values, Mapping) else [(None, values)]
            for key, value in each:
                if key is not None:  # (crf = 1e3 is said so: it was 1000.0)
                    value = _as_written(value, written.get(f"{section}.{key}"))
                try:
                    cfg = apply_mapping(cfg, {section: {key: value} if key is not None else values},
                                        origin=str(path))
                except ConfigError as exc:
                    raise _at_line(exc, path, lines.get(f"{section}.{key}" if key is not None else section)) \
                        from None
    for text in overrides:
        cfg = apply_mapping(cfg, parse_override(text), origin=OVERRIDE)
    return cfg


def _file_line(path: Path, line: int | None) -> str:
    """``path`` and the ``line`` of it a message is about, as a message begins: ``my.toml, line 3``."""
    return f"{path}, line {line}" if line else str(path)


def _at_line(exc: ConfigError, path: Path, line: int | None) -> ConfigError:
    """``exc``, a message about ``path`` (``my.toml: ...``), naming the ``line`` it is about."""
    message = str(exc)
    if line and message.startswith(f"{path}: "):
        message = f"{_file_line(path, line)}: {message[len(str(path)) + 2:]}"
    return ConfigError(message)


def _folder_of(path: Path) -> Path:
    """The folder a config file's relative paths (its base file, a background) are read from: its
    own, or the current one for a pipe (``-c <(...)``, ``-c /dev/stdin``), which has none (they
    were read in /dev/fd or /dev: 'file not found: /dev/fd/bg.png')."""
    try:
        regular = path.is_file()
    except OSError:
        regular = True
    return path.parent if regular else Path(os.curdir)


def _paths_beside(data: dict, folder: Path) -> None:
    """A relative ``image:PATH`` / ``video:PATH`` background in a config file is relative
    to the file's folder (as written there), not to where livecut is run."""
    comp = data.get("composite")
    bg = comp.get("background") if isinstance(comp, Mapping) else None
    if not isinstance(bg, str) or ":" not in bg:
        return
    kind, value = bg.split(":", 1)
    if kind.strip().lower() not in ("image", "video") or not value:
        return
    if value[:1].isspace():
        # (a space after the colon is no part of the name, as -b takes it, unless a file of that
        # name is there: "image: bg.png" was read as "conf/ bg.png", not found)
        try:
            there = (folder / os.path.expanduser(value)).exists()
        except (OSError, ValueError):  # (a name too long for a file's, a NUL)
            there = False
        value = value if there else value.lstrip()
    p = Path(os.path.expanduser(value))
    if not p.is_absolute() and "://" not in value:
        comp["background"] = f"{kind}:{folder / p}"


def describe(cfg: Config) -> dict[str, dict[str, Any]]:
    """Nested dict of the config (for ``--json`` output and debugging)."""
    return dataclasses.asdict(cfg)


def documented_keys() -> list[tuple[str, str, Any, str]]:
    """(section, key, default, doc) for every key, for docs and the default.toml test."""
    out = []
    for section, cls in SECTIONS.items():
        for f in fields(cls):
            out.append((section, f.name, f.default, f.metadata.get("doc", "")))
    return out


def video_option(cfg: "VideoConfig", key: str, value: Any, who: str, expected: str) -> Any:
    """``value`` given to ``who`` (``open_sink``, ``open_source``) for the ``video`` option
    ``key``, checked and normalised as the configuration takes it; a :class:`ConfigError`
    (a string it does not take) or :class:`ConfigTypeError` (another type) saying ``expected``
    (a bare KeyError, ValueError or TypeError came out of the sink or source)."""
    try:
        return getattr(replace(cfg, **{key: value}), key)
    except ConfigError:
        error = ConfigError if isinstance(value, str) else ConfigTypeError
        raise error(f"{who}: {key} {value!r}: expected {expected} (as video.{key}), or None for the "
                    "configuration's") from None
