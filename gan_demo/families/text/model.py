"""DALL-E 2 in miniature (Ramesh et al., 2022): text -> CLIP text embedding -> prior -> image embedding -> decoder.

One module holds the three trained parts, so one ``model.safetensors`` is one consistent pipeline: the decoder
and the prior only make sense in the embedding space of the CLIP they were trained with, so that CLIP is part
of the file (a copy of ``clip-<dataset>`` at the time they were trained; it stays frozen while they train).
"""
from __future__ import annotations

import math

import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from ..clip import CLIP
from ..layers import HUB_CARD
from .decoder import Decoder
from .diffusion import check_interval, ddim_sample, ddim_steps, schedule
from .flow import check_solver, flow_steps
from .prior import Prior

DEFAULT_STEPS = 25
DEFAULT_GUIDANCE = 2.0
OBJECTIVES = ("ddpm", "flow-matching")  # how the decoder was trained, so how it samples: diffusion.py, flow.py


def check_redraw_below(value: float | None, name: str) -> None:
    """A clear ValueError unless ``value`` (the setting called ``name`` where it was given) is a cosine or None."""
    if value is not None and not -1 <= value <= 1:
        raise ValueError(f"{name} is a cosine similarity, from -1 to 1, got {value}")


class TextToImage(nn.Module, PyTorchModelHubMixin, **HUB_CARD):
    """``forward(image_noise, prior_noise, ids)``: the whole pipeline, deterministic given its noise."""

    def __init__(self, clip: dict, decoder: dict | None = None, prior: dict | None = None,
                 steps: int = DEFAULT_STEPS, guidance: float = DEFAULT_GUIDANCE, prior_guidance: float = DEFAULT_GUIDANCE,
                 prediction: str = "epsilon", prior_guidance_interval: list[int] | None = None,
                 redraw_below: float | None = None, objective: str = "ddpm", solver: str = "euler"):
        super().__init__()
        if objective not in OBJECTIVES:
            raise ValueError(f"unknown decoder objective {objective!r}; choose one of {list(OBJECTIVES)}")
        check_solver(solver)
        # the decoder's objective: "ddpm" denoises with DDIM, "flow-matching" integrates its velocity with ``solver``
        # (the prior is always the DDPM one)
        self.objective, self.solver = objective, solver
        check_interval(prior_guidance_interval)  # (low t, high t) where the prior is guided; None: every step
        check_redraw_below(redraw_below, "redraw_below")
        # the decoder's self-check (generate.redraw_strays): images whose CLIP embedding is further than this cosine
        # from the embedding they were decoded from are decoded again from fresh noise; None: never
        self.redraw_below = redraw_below
        self.clip = CLIP(**clip)
        self.embed_dim = self.clip.embed_dim
        self.decoder = Decoder(self.embed_dim, **(decoder or {}))
        self.prior = Prior(self.embed_dim, **(prior or {}))
        self.steps, self.guidance, self.prior_guidance = steps, guidance, prior_guidance
        self.prior_guidance_interval = None if prior_guidance_interval is None else tuple(prior_guidance_interval)
        self.image_noising = schedule(prediction, clip_sample=True)  # what the decoder predicts: see diffusion.py
        self.prior_noising = schedule("sample", clip_sample=False)
        self.clip.requires_grad_(False)

    @property
    def tokenizer(self):
        return self.clip.tokenizer

    @property
    def device(self) -> torch.device:
        return self.decoder.null.device

    @property
    def embedding_scale(self) -> float:
        """The prior works on sqrt(d) * unit embeddings: about unit variance per coordinate, like its noise."""
        return math.sqrt(self.embed_dim)

    def image_embedding(self, text: torch.Tensor, noise: torch.Tensor, steps: int | None = None,
                        guidance: float | None = None) -> torch.Tensor:
        """The prior: unit image embeddings (B, d) sampled for unit text embeddings ``text``, from ``noise``
        (guided on the model's ``prior_guidance_interval`` of timesteps)."""
        e = ddim_sample(self.prior, noise, text, self.prior.null, self.prior_noising, steps=steps or self.steps,
                        guidance=self.prior_guidance if guidance is None else guidance,
                        interval=self.prior_guidance_interval)
        return nn.functional.normalize(e, dim=-1)

    def condition(self, embedding: torch.Tensor, text: torch.Tensor | None = None) -> torch.Tensor:
        """What the decoder is conditioned on: the image embeddings, and for a decoder trained with captions the unit
        text embeddings ``text`` beside them (the decoder's null text half where there is no text)."""
        if not self.decoder.text:
            return embedding
        if text is None:
            text = self.decoder.null_caption.expand_as(embedding)
        return torch.cat([embedding, text], dim=1)

    def decode(self, embedding: torch.Tensor, noise: torch.Tensor, steps: int | None = None,
               guidance: float | None = None, text: torch.Tensor | None = None) -> torch.Tensor:
        """The decoder: images (B, 1, 28, 28) in [-1, 1] for unit image embeddings (and the prompts' text embeddings,
        which only a decoder trained with captions uses), from ``noise`` x_T."""
        *_, (_, _, x, _) = self.decode_steps(embedding, noise, steps, guidance, text)
        return x.clamp(-1, 1)

    def decode_steps(self, embedding: torch.Tensor, noise: torch.Tensor, steps: int | None = None,
                     guidance: float | None = None, text: torch.Tensor | None = None, solver: str | None = None):
        """The decoder step by step: yields (i, t, x_t, predicted x_0) after each step (DDIM's, or the flow
        solver's: ``solver``, default the model's); the last x_t, clamped to [-1, 1], is :meth:`decode`'s image
        (``generate.stream`` walks the pipeline this way)."""
        settings = dict(steps=steps or self.steps, guidance=self.guidance if guidance is None else guidance)
        condition = self.condition(embedding, text)
        if self.objective == "flow-matching":
            return flow_steps(self.decoder, noise, condition, self.decoder.null, solver=solver or self.solver, **settings)
        return ddim_steps(self.decoder, noise, condition, self.decoder.null, self.image_noising, **settings)

    def forward(self, image_noise: torch.Tensor, prior_noise: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        text = self.clip.encode_text(ids)
        return self.decode(self.image_embedding(text, prior_noise), image_noise, text=text)
