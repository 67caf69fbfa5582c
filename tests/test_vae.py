"""The VAE's probability model on known values: the pixel likelihood, the KL term, and the ELBO as a bound."""
from __future__ import annotations

import math

import pytest
import torch

from gan_demo.evaluation.metrics import bits_per_pixel
from gan_demo.families.vae.family import vae_loss
from gan_demo.families.vae.model import VAE, discretized_gaussian_log_prob, gaussian_kl

LEVELS = torch.arange(256).float() / 127.5 - 1  # the 256 grey levels on the models' [-1, 1] scale


@pytest.mark.parametrize("mean, log_scale", [(0.3, -2.0), (-1.0, -6.9), (0.999, -4.0), (0.0, 1.0), (-0.5, -7.0)])
def test_pixel_likelihood_is_a_distribution_over_the_256_levels(mean, log_scale):
    log_p = discretized_gaussian_log_prob(LEVELS, torch.tensor(mean), torch.tensor(log_scale))
    assert torch.isfinite(log_p).all()
    assert log_p.exp().sum().item() == pytest.approx(1.0, abs=1e-4)


def test_pixel_likelihood_matches_the_gaussian_cdf_on_a_middle_level():
    x, mean, scale = LEVELS[100], 0.1, 0.2
    cdf = lambda v: 0.5 * (1 + math.erf((v - mean) / (scale * math.sqrt(2))))  # noqa: E731
    expected = math.log(cdf(x.item() + 1 / 255) - cdf(x.item() - 1 / 255))
    got = discretized_gaussian_log_prob(x, torch.tensor(mean), torch.tensor(math.log(scale)))
    assert got.item() == pytest.approx(expected, rel=1e-4)


def test_kl_is_zero_at_the_prior_and_matches_monte_carlo():
    assert gaussian_kl(torch.zeros(1, 5), torch.zeros(1, 5)).item() == 0
    mu, logvar = torch.tensor([[0.5, -1.0]]), torch.tensor([[-1.0, 0.4]])
    g = torch.Generator().manual_seed(0)
    z = mu + torch.exp(0.5 * logvar) * torch.randn(400_000, 2, generator=g)
    log_q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar)).log_prob(z).sum(1)
    log_p = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(1)
    assert gaussian_kl(mu, logvar).item() == pytest.approx((log_q - log_p).mean().item(), abs=0.01)


@pytest.fixture(scope="module")
def tiny_vae():
    torch.manual_seed(0)
    return VAE(latent_dim=2, width=4).eval()


def test_elbo_is_its_two_terms_and_seeded(tiny_vae):
    x = torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(1)).mul(255).round().div(127.5).sub(1)
    with torch.no_grad():
        a = tiny_vae.elbo(x, torch.Generator().manual_seed(5))
        b = tiny_vae.elbo(x, torch.Generator().manual_seed(5))
    assert torch.equal(a["elbo"], b["elbo"])
    assert torch.allclose(a["elbo"], a["recon"] - a["kl"])
    assert (a["kl"] >= 0).all() and (a["recon"] <= 0).all()  # a log-probability of discrete pixels is <= 0


def test_elbo_is_a_lower_bound_on_the_log_likelihood(tiny_vae):
    """log p(x) estimated by importance sampling with q as the proposal (k = 4,000 samples, IWAE) is at least
    the ELBO: the mean of log p(x, z) - log q(z|x) over the same draws."""
    x = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(2)).mul(255).round().div(127.5).sub(1)
    k = 4000
    with torch.no_grad():
        mu, logvar = tiny_vae.posterior(x)
        q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
        z = q.sample((k,)).squeeze(1)  # (k, 2)
        log_w = (tiny_vae.log_likelihood(x.expand(k, -1, -1, -1), z)
                 + torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(1) - q.log_prob(z[:, None]).sum(-1).squeeze(1))
        elbo_mc, log_px = log_w.mean(), torch.logsumexp(log_w, 0) - math.log(k)
        elbo = torch.stack([tiny_vae.elbo(x, torch.Generator().manual_seed(s))["elbo"] for s in range(200)]).mean()
    assert log_px >= elbo_mc
    assert elbo.item() == pytest.approx(elbo_mc.item(), rel=0.02)  # the model's ELBO is that same bound


def test_training_loss_is_the_negative_elbo_with_both_terms_recorded(tiny_vae):
    x = torch.zeros(4, 1, 28, 28) - 1
    loss, record = vae_loss(tiny_vae, x, torch.zeros(4), torch.Generator().manual_seed(0))
    assert loss.item() == pytest.approx(record["kl"] - record["recon"], rel=1e-5)


def test_bits_per_pixel():
    assert bits_per_pixel(-784 * math.log(2)) == pytest.approx(1.0)
