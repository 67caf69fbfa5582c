"""Every registered model: shapes, value ranges, finiteness, conditioning, save/load equality."""
from __future__ import annotations

import pytest
import torch

from gan_demo.hub import load_folder
from gan_demo.models import MODELS, create_model

TINY = {  # small widths keep these tests fast; shapes must not depend on width
    "autoencoder": dict(latent_dim=8, width=8),
    "generator": dict(latent_dim=16, width=8),
    "discriminator": dict(width=8),
    "cond_generator": dict(latent_dim=16, width=8),
    "cond_discriminator": dict(width=8),
    "classifier": dict(width=8, feature_dim=16),
    "mlp_generator": dict(latent_dim=4, hidden=16),
    "mlp_discriminator": dict(hidden=16),
}


def forward(name: str, model: torch.nn.Module, batch: int = 4, seed: int = 0) -> torch.Tensor:
    """Run ``model`` on seeded CPU inputs moved to its device."""
    dev = next(model.parameters()).device
    g = torch.Generator().manual_seed(seed)
    y = (torch.arange(batch) % 10).to(dev)
    if name in ("generator", "mlp_generator", "cond_generator"):
        z = torch.randn(batch, model.latent_dim, generator=g).to(dev)
        return model(z, y) if name == "cond_generator" else model(z)
    if name == "mlp_discriminator":
        return model(torch.randn(batch, 2, generator=g).to(dev))
    x = (torch.rand(batch, 1, 28, 28, generator=g) * 2 - 1).to(dev)
    return model(x, y) if name == "cond_discriminator" else model(x)


EXPECTED_SHAPE = {
    "autoencoder": (4, 1, 28, 28), "generator": (4, 1, 28, 28), "cond_generator": (4, 1, 28, 28),
    "discriminator": (4,), "cond_discriminator": (4,), "classifier": (4, 10),
    "mlp_generator": (4, 2), "mlp_discriminator": (4,),
}


def test_registry_covers_every_model():
    assert set(TINY) == set(MODELS) == set(EXPECTED_SHAPE)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_shapes_ranges_finite(name, device):
    model = create_model(name, **TINY[name]).to(device).eval()
    with torch.no_grad():
        out = forward(name, model)
    assert out.shape == EXPECTED_SHAPE[name]
    assert torch.isfinite(out).all()
    if name in ("autoencoder", "generator", "cond_generator"):
        assert out.min() >= -1 and out.max() <= 1  # tanh images


@pytest.mark.parametrize("name", sorted(MODELS))
def test_save_then_load_gives_identical_outputs(name, tmp_path):
    model = create_model(name, **TINY[name]).eval()
    model.save_pretrained(tmp_path / name)
    assert {p.name for p in (tmp_path / name).iterdir()} >= {"config.json", "model.safetensors"}
    loaded = load_folder(type(model), tmp_path / name)
    with torch.no_grad():
        assert torch.equal(forward(name, model), forward(name, loaded))


def test_conditioning_changes_the_output():
    G = create_model("cond_generator", **TINY["cond_generator"]).eval()
    for m in G.modules():  # conditional BatchNorm starts class-neutral (gain 1, bias 0): perturb it as training would
        if isinstance(m, torch.nn.Embedding):
            torch.nn.init.normal_(m.weight, 1.0, 0.5, generator=torch.Generator().manual_seed(1))
    z = torch.randn(1, G.latent_dim, generator=torch.Generator().manual_seed(0)).expand(10, -1)
    with torch.no_grad():
        out = G(z, torch.arange(10))
    assert not torch.allclose(out[0], out[1])
    D = create_model("cond_discriminator", **TINY["cond_discriminator"]).eval()
    x = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(0)).expand(2, -1, -1, -1)
    with torch.no_grad():
        logits = D(x, torch.tensor([0, 1]))  # the same image judged as class 0 and as class 1
    assert logits[0] != logits[1]


def test_unknown_model_names_the_choices():
    with pytest.raises(ValueError, match="choose one of .*autoencoder"):
        create_model("vae")


def test_autoencoder_map_separates_classes():
    """fit_map on codes from two well-separated clusters puts them apart on the 2-D map, and lifts back."""
    torch.manual_seed(0)
    ae = create_model("autoencoder", latent_dim=6, width=4)
    z = torch.cat([torch.randn(200, 6) + 3, torch.randn(200, 6) - 3])
    labels = torch.cat([torch.zeros(200), torch.ones(200)]).long()
    ae.fit_map(z, labels)
    p = ae.to_map(z)
    assert p.shape == (400, 2)
    assert (p[:200, 0].mean() - p[200:, 0].mean()).abs() > 3 * p[:200, 0].std()
    assert torch.allclose(ae.to_map(ae.from_map(p)), p, atol=1e-3)  # lift is a right inverse of the projection
