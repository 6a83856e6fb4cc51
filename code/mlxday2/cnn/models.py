"""The CNN chapter's two networks: PyTorch's tutorial baseline and our small CNN."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class TutorialNet(nn.Module):
    """PyTorch's "Training a classifier" network: two conv layers, three linear ones."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def conv_bn(c_in: int, c_out: int) -> nn.Sequential:
    """Return a 3x3 convolution (same size) + batch norm + ReLU block."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class SmallCNN(nn.Module):
    """Our CNN: conv + batch norm + ReLU blocks, halving the resolution early (cheap).

    ``stages`` are four blocks, one per resolution: 32x32 (one conv, ``width`` filters),
    16x16 (two convs, 2x), 8x8 (two convs, 4x), 4x4 (one conv, 8x); each but the last
    ends with a 2x2 max pool. Then a global max pool and a linear layer. About 35
    million multiply-adds per image at ``width=32``.
    """

    def __init__(self, width: int = 32):
        super().__init__()
        w = width
        self.stages = nn.Sequential(
            nn.Sequential(conv_bn(3, w), nn.MaxPool2d(2)),
            nn.Sequential(conv_bn(w, 2 * w), conv_bn(2 * w, 2 * w), nn.MaxPool2d(2)),
            nn.Sequential(
                conv_bn(2 * w, 4 * w), conv_bn(4 * w, 4 * w), nn.MaxPool2d(2)
            ),
            nn.Sequential(conv_bn(4 * w, 8 * w)),
        )
        self.head = nn.Sequential(
            nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(8 * w, 10)
        )

    def forward(self, x):
        return self.head(self.stages(x))


MODELS = {"tutorial": TutorialNet, "small": SmallCNN}


def first_conv(model: nn.Module) -> nn.Conv2d:
    """Return the model's first convolution layer (the one that sees the pixels)."""
    return next(m for m in model.modules() if isinstance(m, nn.Conv2d))
