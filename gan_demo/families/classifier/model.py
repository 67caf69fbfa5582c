"""A small CNN classifier, used to judge generated images and as the feature space for the Frechet distance."""
from __future__ import annotations

import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from ..layers import HUB_CARD


def conv_pair(c_in: int, c_out: int) -> nn.Sequential:
    """Two 3x3 conv + BN + ReLU, then a 2x2 max-pool that halves the resolution."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


class Classifier(nn.Module, PyTorchModelHubMixin, **HUB_CARD):
    """Image in [-1, 1], (B, 1, 28, 28) -> class logits (B, num_classes)."""

    def __init__(self, num_classes: int = 10, width: int = 32, feature_dim: int = 128, channels: int = 1):
        super().__init__()
        self.num_classes, self.feature_dim = num_classes, feature_dim
        self.trunk = nn.Sequential(
            conv_pair(channels, width),  # (B, w, 14, 14)
            conv_pair(width, 2 * width),  # (B, 2w, 7, 7)
            nn.Flatten(),
            nn.Linear(2 * width * 7 * 7, feature_dim),
            nn.ReLU(inplace=True),
        )
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(feature_dim, num_classes))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate activations (B, feature_dim): the space the Frechet distance is measured in."""
        return self.trunk(x)

    def classify_features(self, h: torch.Tensor) -> torch.Tensor:
        """Class logits (B, num_classes) from :meth:`features` (B, feature_dim)."""
        return self.head(h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify_features(self.features(x))
