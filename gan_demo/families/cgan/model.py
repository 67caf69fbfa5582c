"""Class-conditional GAN: conditional-BatchNorm generator and a projection discriminator.

Projection discriminator (Miyato & Koyama, 2018): logit = psi(h) + <embed(y), h>, so the
class enters as an inner product with the image features instead of an extra input channel.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from ..layers import HUB_CARD, dcgan_init, disc_features, maybe_spectral, upsample_block


class ConditionalBatchNorm2d(nn.Module):
    """BatchNorm whose gain and bias are looked up from the class label."""

    def __init__(self, channels: int, num_classes: int):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, affine=False)
        self.gain = nn.Embedding(num_classes, channels)
        self.bias = nn.Embedding(num_classes, channels)
        nn.init.ones_(self.gain.weight)
        nn.init.zeros_(self.bias.weight)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """``y``: class indices (B,), or class weights (B, num_classes) to blend classes (soft labels)."""
        if y.is_floating_point():  # a weighted mix of the class embeddings, e.g. to interpolate between classes
            gain, bias = y @ self.gain.weight, y @ self.bias.weight  # (B, C)
        else:
            gain, bias = self.gain(y), self.bias(y)  # (B, C)
        return self.bn(x) * gain[:, :, None, None] + bias[:, :, None, None]


class ConditionalGenerator(nn.Module, PyTorchModelHubMixin, **HUB_CARD):
    """(z, class label) -> image in [-1, 1] of shape (1, 28, 28).

    The label is a class index (B,) or, to blend classes, class weights (B, num_classes) summing to 1.
    """

    def __init__(self, latent_dim: int = 64, num_classes: int = 10, width: int = 32, channels: int = 1):
        super().__init__()
        self.latent_dim, self.num_classes = latent_dim, num_classes
        # the label enters twice: one-hot beside z (a strong signal from the first step) and through
        # conditional BatchNorm at every resolution (class-specific feature statistics)
        self.fc = nn.Sequential(nn.Linear(latent_dim + num_classes, 4 * width * 7 * 7, bias=False),
                                nn.Unflatten(1, (4 * width, 7, 7)))
        self.up1, self.up2 = upsample_block(4 * width, 2 * width), upsample_block(2 * width, width)
        self.bn0 = ConditionalBatchNorm2d(4 * width, num_classes)
        self.bn1 = ConditionalBatchNorm2d(2 * width, num_classes)
        self.bn2 = ConditionalBatchNorm2d(width, num_classes)
        self.out = nn.Sequential(nn.Conv2d(width, channels, 3, padding=1), nn.Tanh())
        for m in (self.fc, self.up1, self.up2, self.out):
            m.apply(dcgan_init)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        onehot = y if y.is_floating_point() else F.one_hot(y, self.num_classes).to(z.dtype)  # (B, K)
        h = torch.relu(self.bn0(self.fc(torch.cat([z, onehot], dim=1)), y))  # (B, 4w, 7, 7)
        h = torch.relu(self.bn1(self.up1(h), y))  # (B, 2w, 14, 14)
        h = torch.relu(self.bn2(self.up2(h), y))  # (B, w, 28, 28)
        return self.out(h)  # (B, 1, 28, 28)


class ProjectionDiscriminator(nn.Module, PyTorchModelHubMixin, **HUB_CARD):
    """(image, class label) -> one real/fake logit per image.

    With ``aux_classifier=True`` it also has a class head on the same features (AC-GAN, Odena et al.,
    2017): trained on real images, it gives the generator a second, direct signal to draw the asked class.
    """

    def __init__(self, num_classes: int = 10, width: int = 32, channels: int = 1, spectral: bool = True,
                 aux_classifier: bool = False):
        super().__init__()
        self.num_classes = num_classes
        self.features = disc_features(width, channels, spectral)
        self.head = maybe_spectral(nn.Linear(4 * width, 1), spectral)
        self.embed = maybe_spectral(nn.Embedding(num_classes, 4 * width), spectral)
        self.classify = nn.Linear(4 * width, num_classes) if aux_classifier else None

    def forward(self, x: torch.Tensor, y: torch.Tensor, with_classes: bool = False):
        """Logits (B,); with ``with_classes`` also the class logits (B, num_classes) of the auxiliary head."""
        h = self.features(x).sum(dim=(2, 3))  # (B, 4w)
        logits = self.head(h).squeeze(1) + (self.embed(y) * h).sum(dim=1)  # (B,)
        if not with_classes:
            return logits
        if self.classify is None:
            raise ValueError("this discriminator has no auxiliary classifier (create it with aux_classifier=True)")
        return logits, self.classify(h)
