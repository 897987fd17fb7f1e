"""livecut: cut the sharp subject out of photos and video whose background is out of focus.

    from livecut import Segmenter
    alpha = Segmenter().mask(frame_bgr)   # HxW uint8, 255 = in-focus subject
"""

import os as _os

# Refuse decompression bombs from the header, for every format OpenCV decodes: OpenCV
# reads this limit when it is loaded, so it is set before anything imports cv2 (see
# livecut/imageio.py; must equal imageio.MAX_PIXELS, a test checks).
_os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", "80000000")

from livecut.config import Config, load_config  # noqa: E402
from livecut.errors import LivecutError  # noqa: E402
from livecut.segment import Segmenter  # noqa: E402
from livecut.composite import Compositor, parse_background  # noqa: E402

__version__ = "0.1.0"

__all__ = ["Segmenter", "Compositor", "parse_background", "Config", "load_config", "LivecutError", "__version__"]
