"""Every part of every registered family: shapes, value ranges, finiteness, save/load equality; conditioning."""
from __future__ import annotations

import pytest
import torch

from gan_demo.hub import load_folder
from gan_demo.registry import FAMILIES, create_model, get_part, model_names

PARTS = [f"{family.name}.{part}" for family in FAMILIES.values() for part in family.parts]


def forward(name: str, model: torch.nn.Module, batch: int = 4, seed: int = 0) -> torch.Tensor:
    """Run ``model`` on the seeded CPU example inputs its family declares, moved to the model's device."""
    device = next(model.parameters()).device
    inputs = get_part(name).inputs(model, batch, torch.Generator().manual_seed(seed))
    return model(*(x.to(device) for x in inputs))


def test_every_family_registers_its_parts():
    assert {"classifier", "autoencoder", "vae", "gan", "cgan", "toy-gan"} <= set(FAMILIES)
    assert set(PARTS) <= set(model_names())


@pytest.mark.parametrize("name", PARTS)
def test_shapes_ranges_finite(name, device):
    part = get_part(name)
    model = create_model(name, **part.tiny).to(device).eval()
    with torch.no_grad():
        out = forward(name, model)
    assert out.shape == (4, *part.shape_for(model))
    assert torch.isfinite(out).all()
    if part.output_range is not None:
        low, high = part.output_range
        assert out.min() >= low and out.max() <= high


@pytest.mark.parametrize("name", PARTS)
def test_save_then_load_gives_identical_outputs(name, tmp_path):
    model = create_model(name, **get_part(name).tiny).eval()
    model.save_pretrained(tmp_path / "saved")
    assert {p.name for p in (tmp_path / "saved").iterdir()} >= {"config.json", "model.safetensors"}
    loaded = load_folder(type(model), tmp_path / "saved")
    with torch.no_grad():
        assert torch.equal(forward(name, model), forward(name, loaded))


def test_a_bare_family_name_is_its_shipped_part():
    assert type(create_model("cgan")) is type(create_model("cgan.generator"))


def test_conditioning_changes_the_output():
    G = create_model("cgan.generator", **get_part("cgan.generator").tiny).eval()
    for m in G.modules():  # conditional BatchNorm starts class-neutral (gain 1, bias 0): perturb it as training would
        if isinstance(m, torch.nn.Embedding):
            torch.nn.init.normal_(m.weight, 1.0, 0.5, generator=torch.Generator().manual_seed(1))
    z = torch.randn(1, G.latent_dim, generator=torch.Generator().manual_seed(0)).expand(10, -1)
    with torch.no_grad():
        out = G(z, torch.arange(10))
    assert not torch.allclose(out[0], out[1])
    D = create_model("cgan.discriminator", **get_part("cgan.discriminator").tiny).eval()
    x = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(0)).expand(2, -1, -1, -1)
    with torch.no_grad():
        logits = D(x, torch.tensor([0, 1]))  # the same image judged as class 0 and as class 1
    assert logits[0] != logits[1]


@pytest.mark.parametrize("name", ["diffusion", "gan.encoder", "toy-gan", "generator"])
def test_unknown_model_names_the_choices(name):
    with pytest.raises(ValueError, match=r"unknown model .*choose one of .*'cgan\.discriminator'"):
        create_model(name)


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
