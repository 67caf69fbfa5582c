"""The decoder: a diffusion model of images given a CLIP image embedding (DALL-E 2's "unCLIP" decoder).

diffusers' ``UNet2DModel`` at 28x28 (three resolutions, 28 -> 14 -> 7, self-attention in the middle); the
embedding enters through a learned projection added to the timestep embedding (``class_embed_type="identity"``),
as the unCLIP decoder feeds its image embedding. A learned null embedding stands for "no condition".

With ``text=True`` the condition is the image embedding and the caption's CLIP text embedding side by side
(2 x embed_dim numbers), as unCLIP's decoder also sees the caption: the text part has its own null half, used
when there is no caption (image variations) and for part of training, so the decoder works with or without one.
"""
from __future__ import annotations

import torch
from diffusers import UNet2DModel
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from ..layers import HUB_CARD


class Decoder(nn.Module, PyTorchModelHubMixin, **HUB_CARD):
    """``forward(x_t, t, embedding)`` -> the predicted noise (or x_0, as the pipeline's ``prediction`` says), all
    (B, 1, 28, 28); ``embedding`` (B, embed_dim), or (B, 2 * embed_dim) with ``text``: image, then text."""

    def __init__(self, embed_dim: int = 64, channels: tuple[int, ...] = (16, 32, 64), layers_per_block: int = 1,
                 groups: int = 8, text: bool = False):
        super().__init__()
        self.text, self.embed_dim = text, embed_dim
        condition = embed_dim * (2 if text else 1)
        channels = tuple(channels)
        self.unet = UNet2DModel(
            sample_size=28, in_channels=1, out_channels=1, block_out_channels=channels,
            layers_per_block=layers_per_block, down_block_types=("DownBlock2D",) * len(channels),
            up_block_types=("UpBlock2D",) * len(channels), norm_num_groups=groups, attention_head_dim=channels[-1] // 2,
            class_embed_type="identity")
        self.project = nn.Linear(condition, 4 * channels[0])  # to the width of the timestep embedding
        self.null = nn.Parameter(torch.zeros(condition))

    @property
    def null_caption(self) -> torch.Tensor:
        """The learned null's text half (embed_dim numbers): what stands for "no caption" (``text`` only)."""
        return self.null[self.embed_dim:]

    def forward(self, x: torch.Tensor, t: torch.Tensor, embedding: torch.Tensor) -> torch.Tensor:
        return self.unet(x, t, class_labels=self.project(embedding)).sample
