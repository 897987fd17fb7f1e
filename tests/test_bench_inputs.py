"""``livecut bench``: the sizes it is given and the clips it times (audit of its inputs)."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from typer.testing import CliRunner

from conftest import make_clip
from livecut.cli import app


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("mode", ["--transcode", "--live"])
def test_generated_clip_of_an_odd_size_is_refused_clearly(mode):
    """The generated clip is YUV 4:2:0: an odd --size was an OpenCV assertion shown as an
    internal error."""
    r = invoke("bench", mode, "--size", "161x121")
    assert r.exit_code == 2, r.output
    assert "even width and height" in r.stderr and "internal error" not in r.stderr


def test_size_over_the_pixel_limit_is_refused_before_the_frame_is_made(monkeypatch):
    """16384x16384 (268 MP) passed the 16..16384 check: a frame of several GB was made
    before the segmenter refused it."""
    from livecut import bench

    monkeypatch.setattr(bench, "synthetic_frame", lambda *a, **k: pytest.fail("frame made"))
    r = invoke("bench", "--size", "16384x16384", "--frames", "1")
    assert r.exit_code == 2 and "megapixels" in r.stderr, r.output


def test_transcode_bench_times_a_variable_frame_rate_clip(tmp_path):
    """The plain decode+encode counted the encoder in 1/average rate while it was handed the
    clip's own timestamps: a VFR clip's packets were refused by the muxer (internal error)."""
    clip = make_clip(tmp_path / "vfr.mp4", w=192, h=108, n=8, pts=[0, 1, 3, 4, 8, 9, 12, 20],
                     time_base=Fraction(1, 25))
    r = invoke("bench", "--transcode", "--clip", clip, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["frames"] == 8 and data["plain_s"] > 0
