"""livecut: cut the sharp subject out of photos and video whose background is out of focus.

    from livecut import Segmenter
    alpha = Segmenter().mask(frame_bgr)   # HxW uint8, 255 = in-focus subject
"""

from livecut.config import Config, load_config
from livecut.errors import LivecutError
from livecut.segment import Segmenter
from livecut.composite import Compositor, parse_background

__version__ = "0.1.0"

__all__ = ["Segmenter", "Compositor", "parse_background", "Config", "load_config", "LivecutError", "__version__"]
