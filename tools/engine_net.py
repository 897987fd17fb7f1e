"""The learned focus network (training side, PyTorch).  Inference runs the exported ONNX
file through OpenCV's cv2.dnn (livecut/segment/net.py); torch is needed only to train."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


def cbr(cin: int, cout: int, stride: int = 1, dil: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, padding=dil, dilation=dil, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def c1r(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class FocusNet(nn.Module):
    """A small encoder-decoder: input (3 RGB + cues) at the grid, output logits at grid/2.

    Global context (the mean of the deepest features over the whole frame) is added
    back at every position: the decision is made relative to the frame itself.  The
    high-resolution levels are kept light (one conv, 1x1 fusions): the boundary is
    refined afterwards against the full-size image."""

    def __init__(self, cin: int = 8, w: tuple[int, ...] = (16, 24, 40, 64), skips: str = "concat"):
        super().__init__()
        c0, c1, c2, c3 = w
        self.widths = tuple(w)
        #: how the decoder joins a level with the one below: "concat" (upsample, concatenate,
        #: 1x1 conv: the shipped networks) or "add" (1x1 conv at the coarse level to the fine
        #: level's width, upsample, add: the same reach, a third less work at the fine levels)
        self.skips = skips
        if skips not in ("concat", "add"):
            raise ValueError(f"skips {skips!r}: concat or add")
        self.e0 = cbr(cin, c0, 2)                                       # /2
        self.e1 = nn.Sequential(cbr(c0, c1, 2), cbr(c1, c1))           # /4
        self.e2 = nn.Sequential(cbr(c1, c2, 2), cbr(c2, c2))           # /8
        self.e3 = nn.Sequential(cbr(c2, c3, 2), cbr(c3, c3), cbr(c3, c3, dil=2))  # /16
        self.glob = nn.Sequential(nn.Conv2d(c3, c3, 1), nn.ReLU(inplace=True))
        if skips == "add":
            self.p2, self.p1, self.p0 = (nn.Conv2d(c3, c2, 1), nn.Conv2d(c2, c1, 1), nn.Conv2d(c1, c0, 1))
            self.d2 = cbr(c2, c2)
            self.d1 = cbr(c1, c1)
            self.head = nn.Conv2d(c0, 1, 1)
            return
        self.d2 = nn.Sequential(c1r(c3 + c2, c2), cbr(c2, c2))
        self.d1 = nn.Sequential(c1r(c2 + c1, c1), cbr(c1, c1))
        self.d0 = c1r(c1 + c0, c0)
        self.head = nn.Conv2d(c0, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x0 = self.e0(x)
        x1 = self.e1(x0)
        x2 = self.e2(x1)
        x3 = self.e3(x2)
        x3 = x3 + self.glob(F.adaptive_avg_pool2d(x3, 1))  # GlobalAveragePool: every cv2.dnn reads it
        if self.skips == "add":
            y = self.d2(F.relu(_up(self.p2(x3)) + x2))
            y = self.d1(F.relu(_up(self.p1(y)) + x1))
            y = F.relu(_up(self.p0(y)) + x0)
            return self.head(y)
        y = self.d2(torch.cat([_up(x3), x2], 1))
        y = self.d1(torch.cat([_up(y), x1], 1))
        y = self.d0(torch.cat([_up(y), x0], 1))
        return self.head(y)


def _up(t: torch.Tensor) -> torch.Tensor:
    return F.interpolate(t, scale_factor=2.0, mode="bilinear", align_corners=False)
