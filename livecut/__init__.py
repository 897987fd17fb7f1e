"""livecut: cut the sharp subject out of photos and video whose background is out of focus.

    from livecut import Segmenter
    alpha = Segmenter(still=True).mask(photo_bgr)   # HxW uint8, 255 = in-focus subject
    # (a video's frames: one Segmenter() for the video, see the README's section Library)
"""

import os as _os

# Refuse decompression bombs from the header, for every format OpenCV decodes: OpenCV
# reads this limit when it is loaded, so it is set before anything imports cv2 (see
# livecut/imageio.py; must equal imageio.MAX_PIXELS, a test checks).
# A value OpenCV cannot read (empty, "abc", "1e9", "-5") ended the process as cv2 was imported,
# every command with it ("terminate called after throwing an instance of
# 'std::invalid_argument'", exit 134): it is replaced by livecut's, as if unset, the one given kept
# in _PIXEL_LIMIT_REPLACED (the command line warns of it).  OpenCV reads ASCII digits, up to
# 2^64 - 1, then KB, Kb, kb, MB, Mb, mb or nothing.
_PIXEL_LIMIT_REPLACED = _os.environ.get("OPENCV_IO_MAX_IMAGE_PIXELS")
if _PIXEL_LIMIT_REPLACED is not None:
    import re as _re

    _read = _re.fullmatch(r"([0-9]+)(?:MB|Mb|mb|KB|Kb|kb)?", _PIXEL_LIMIT_REPLACED)
    if not _read or int(_read[1]) >= 1 << 64:
        del _os.environ["OPENCV_IO_MAX_IMAGE_PIXELS"]
    else:
        _PIXEL_LIMIT_REPLACED = None
    del _re, _read
_os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", "200000000")

__version__ = "0.1.0"

# the public names are imported when first used (PEP 562): `import livecut` costs nothing,
# so the command's entry point can catch a Ctrl-C during the heavy imports (numpy, OpenCV)
_LAZY = {"Segmenter": "livecut.segment", "Compositor": "livecut.composite", "MaskSmoother": "livecut.smooth",
         "parse_background": "livecut.composite", "Config": "livecut.config",
         "load_config": "livecut.config", "LivecutError": "livecut.errors"}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'livecut' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

__all__ = ["Segmenter", "Compositor", "MaskSmoother", "parse_background", "Config", "load_config", "LivecutError", "__version__"]
