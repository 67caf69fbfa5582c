"""The vae family: the autoencoder made generative. Trained on the negative ELBO; sampled by decoding z ~ N(0, I)."""
from __future__ import annotations

import torch
from torch import nn

from ...evaluation.metrics import bits_per_pixel, psnr
from ...registry import CardRow, Evaluation, Family, Part, precision_recall_row, register
from ...sampling import sample_many
from .. import inputs
from ..autoencoder.family import fit_map
from ..supervised import SupervisedRecipe
from .model import VAE


def vae_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor, rng: torch.Generator):
    """The negative ELBO per image (nats), with both terms in the record."""
    terms = model.elbo(x, rng)
    return -terms["elbo"].mean(), {"recon": terms["recon"].mean().item(), "kl": terms["kl"].mean().item()}


class PriorDecoder(nn.Module):
    """The VAE as a generator: z ~ N(0, I) of size ``latent_dim`` -> decoded image, so seeded sampling applies."""

    def __init__(self, vae: VAE):
        super().__init__()
        self.vae, self.latent_dim = vae, vae.latent_dim

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.vae.decode(z)


def sample(model: nn.Module, n: int, seed: int, labels: torch.Tensor | None) -> torch.Tensor:
    return sample_many(PriorDecoder(model), n, seed)


@torch.inference_mode()
def elbo_on_test_split(ctx, model: VAE, seed: int = 0) -> dict[str, float]:
    """The ELBO and its terms averaged over the test split (one posterior sample per image, seeded)."""
    rng = torch.Generator().manual_seed(seed)
    terms = [model.elbo(chunk.to(ctx.device), rng) for chunk in ctx.x_test.split(500)]
    return {key: torch.cat([t[key] for t in terms]).mean().item() for key in ("elbo", "recon", "kl")}


def measure(ctx, model: nn.Module) -> dict:
    elbo = elbo_on_test_split(ctx, model)
    judged = ctx.judged(ctx.generated(sample(model, ctx.n, 0, None)))
    return {"vae_psnr_db": psnr(ctx.batched(model, ctx.x_test), ctx.x_test).mean().item(),
            "vae_elbo_nats": elbo["elbo"], "vae_recon_nats": elbo["recon"], "vae_kl_nats": elbo["kl"],
            "vae_bits_per_pixel": bits_per_pixel(elbo["elbo"]),
            "vae_fd": ctx.frechet_distance(judged), "vae_class_histogram": judged.class_histogram(),
            "vae_confident": judged.confident, **ctx.precision_recall(judged, "vae")}


FAMILY = register(Family(
    name="vae",
    summary="variational autoencoder: the autoencoder's conv encoder gives q(z|x) over a small code (16-d, 8-d for "
            "MNIST), a discretized Gaussian likelihood over the 256 grey levels; trained on the ELBO, sampled from "
            "the prior N(0, I)",
    parts={"vae": Part(VAE, dict(latent_dim=8, width=8), inputs.images, (1, 28, 28), (-1, 1))},
    pretrained="vae",
    recipe=SupervisedRecipe(VAE, vae_loss, defaults=dict(steps=6000, batch_size=128, lr=1e-3), after=fit_map),
    sample=sample,
    evaluation=Evaluation(measure, rows=(
        CardRow("VAE reconstruction PSNR (test)", lambda r: f"{r['vae_psnr_db']:.1f} dB"),
        CardRow("VAE ELBO (test): nats per image", lambda r: f"{r['vae_elbo_nats']:.1f}"),
        CardRow("VAE ELBO (test): reconstruction / KL terms", lambda r: f"{r['vae_recon_nats']:.1f} / {r['vae_kl_nats']:.1f}"),
        CardRow("VAE bits per pixel (upper bound, test)", lambda r: f"{r['vae_bits_per_pixel']:.3f}"),
        CardRow("Frechet distance, VAE prior samples vs test", lambda r: f"{r['vae_fd']:.2f}"),
        CardRow("VAE prior samples: classifier >= 90% sure", lambda r: f"{100 * r['vae_confident']:.1f}%"),
        precision_recall_row("VAE prior samples", "vae")),
        class_rows=(CardRow("VAE share", lambda r: [f"{100 * h:.1f}%" for h in r["vae_class_histogram"]]),)),
))
