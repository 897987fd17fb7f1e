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
