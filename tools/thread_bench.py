"""One thread setting of ``livecut bench --transcode`` or ``--live``, as one JSON line.

The measurements of docs/transcode-threads.md ("4, 8 and 16 CPUs") were made with it,
one process per setting and the CPU count chosen by affinity::

    taskset -c 0-7 python tools/thread_bench.py --opencv 4 --size 1920x1080
    taskset -c 0-3 python tools/thread_bench.py --live --opencv 1

``--x264`` / ``--opencv``: ``plan`` (what livecut chooses, :func:`livecut.threads.thread_plan`),
``auto``/``default`` (the library's own count) or a number.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import livecut.threads as T  # noqa: E402
from livecut.config import load_config  # noqa: E402


def _count(text: str, plan_value):
    if text == "plan":
        return plan_value
    return None if text in ("auto", "default") else int(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--x264", default="plan", help="x264 threads of file runs: plan, auto or N")
    ap.add_argument("--opencv", default="plan", help="OpenCV threads: plan, default or N")
    ap.add_argument("--size", default="1280x720", help="WxH of the generated clip")
    ap.add_argument("--repeat", type=int, default=3, help="transcode: best of N runs")
    ap.add_argument("--ahead", default="plan", choices=("plan", "on", "off"),
                    help="transcode: video.segment_ahead (plan: the configuration's)")
    ap.add_argument("--live", action="store_true", help="the live CPU share instead of a transcode")
    ap.add_argument("--seconds", type=float, default=5.0, help="live: clip length")
    a = ap.parse_args()
    w, h = map(int, a.size.split("x"))
    plan0 = T.thread_plan()
    x264 = _count(a.x264, plan0.x264_threads)
    if a.live:
        ocv = _count(a.opencv, plan0.live_opencv_threads)
        # the live plan, with OpenCV's count fixed (no rise: LiveThreads needs full > start)
        T.thread_plan = lambda cpus=None: T.ThreadPlan(plan0.cpus, x264, plan0.opencv_threads, None,
                                                       plan0.segment_ahead)
        import cv2

        if ocv is not None:
            cv2.setNumThreads(ocv)
        from livecut.bench import run_live_bench

        r = run_live_bench(load_config(), size=(w, h), seconds=a.seconds)
    else:
        ocv = _count(a.opencv, plan0.opencv_threads)
        T.thread_plan = lambda cpus=None: T.ThreadPlan(plan0.cpus, x264, ocv, plan0.live_opencv_threads,
                                                       plan0.segment_ahead)
        from livecut.bench import run_transcode_bench

        sets = [] if a.ahead == "plan" else [f"video.segment_ahead={a.ahead}"]
        r = run_transcode_bench(load_config(None, sets), size=(w, h), repeat=a.repeat)
        r.pop("clip", None)
    r.update(cpus=T.usable_cpus(), setting_x264=a.x264, setting_opencv=a.opencv, setting_ahead=a.ahead)
    print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
