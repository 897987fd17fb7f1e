"""Parts that must run on macOS and Windows too, simulated here (no Windows needed)."""

from __future__ import annotations

import sys


def test_bench_cpu_time_without_resource(monkeypatch):
    """Windows has no ``resource`` module: ``bench --transcode`` still measures CPU time."""
    from livecut import bench

    monkeypatch.setitem(sys.modules, "resource", None)  # `import resource` raises ImportError
    a = bench._process_cpu()
    sum(i * i for i in range(200_000))
    assert bench._process_cpu() > a >= 0


def test_batch_jobs_with_spawn_only(monkeypatch, tmp_path):
    """Windows has only the 'spawn' start method (no forkserver, no fork): ``batch --jobs 2``
    still runs, its worker function, settings and queue travel to spawned processes."""
    import multiprocessing

    import cv2

    from conftest import make_clip
    from livecut.batch import run_batch
    from livecut.config import load_config
    from synth import make_scene

    get_context = multiprocessing.get_context

    def windows_get_context(method=None):
        if method in ("fork", "forkserver"):
            raise ValueError(f"cannot find context for {method!r}")  # as on Windows
        return get_context(method)

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    monkeypatch.setattr(multiprocessing, "get_context", windows_get_context)
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    img, _ = make_scene("basic", w=200, h=150, seed=0)
    assert cv2.imwrite(str(shoot / "a.jpg"), img)
    make_clip(shoot / "v.mp4", n=4, seed=1)
    report = run_batch([str(shoot)], tmp_path / "out", load_config(None, []), jobs=2)
    assert report.done == 2 and report.failed == 0, report.errors
    assert (tmp_path / "out" / "a.png").exists() or any((tmp_path / "out").glob("a.*"))
