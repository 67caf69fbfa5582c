"""python -m gan_demo.sample: PNG grids, npz arrays, labels, and errors that teach."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from gan_demo.live.export import save_generator
from gan_demo.live.settings import LiveSettings
from gan_demo.live.trainer import build_models
from gan_demo.sample import main


def test_png_grid(tmp_path):
    out = tmp_path / "grid.png"
    assert main(["gan-mnist", "--n", "20", "--seed", "3", "--nrow", "10", "--out", str(out)]) == 0
    assert Image.open(out).size == (10 * 30 + 2, 2 * 30 + 2)


def test_npz_with_all_labels_cycles_classes(tmp_path):
    out = tmp_path / "s.npz"
    assert main(["cgan-fashion", "--n", "25", "--all-labels", "--out", str(out)]) == 0
    arrays = np.load(out)
    assert arrays["images"].shape == (25, 28, 28) and arrays["images"].dtype == np.uint8
    assert arrays["labels"].tolist() == [i % 10 for i in range(25)]


def test_vae_samples_from_the_prior_seeded(tmp_path):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    for out in (a, b):
        assert main(["vae-mnist", "--n", "6", "--seed", "4", "--out", str(out)]) == 0
    assert np.load(a)["images"].shape == (6, 28, 28) and (np.load(a)["labels"] == -1).all()
    assert np.array_equal(np.load(a)["images"], np.load(b)["images"])
    assert main(["vae-mnist", "--n", "2", "--label", "3", "--out", str(a)]) == 2  # unconditional


def test_label_by_name_and_same_seed_same_file(tmp_path):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    for out in (a, b):
        assert main(["cgan-fashion", "--n", "4", "--label", "Sneaker", "--seed", "9", "--out", str(out)]) == 0
    assert np.load(a)["labels"].tolist() == [7] * 4
    assert np.array_equal(np.load(a)["images"], np.load(b)["images"])


@pytest.mark.parametrize("argv, message", [
    (["cgan-mnist", "--n", "4"], "pass --label"),
    (["cgan-mnist", "--n", "4", "--label", "eleven"], "unknown label"),
    (["gan-mnist", "--n", "4", "--label", "3"], "unconditional"),
    (["gan-mnist", "--n", "0"], "between 1 and"),
    (["autoencoder-mnist", "--n", "4"], "not a generator"),
    (["gan-svhn", "--n", "4"], "choose one of"),
])
def test_bad_arguments_exit_2_with_a_message(tmp_path, capsys, argv, message):
    assert main([*argv, "--out", str(tmp_path / "x.png")]) == 2
    assert message in capsys.readouterr().err


def test_runs_as_a_module(tmp_path):
    out = tmp_path / "m.png"
    result = subprocess.run([sys.executable, "-m", "gan_demo.sample", "gan-fashion", "--n", "4", "--out", str(out)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert out.is_file()



def test_the_folder_of_a_live_export_samples_like_a_shipped_model(tmp_path, capsys):
    """The live tab's generator download (config.json, model.safetensors, gan_demo.json) is a valid NAME."""
    images = LiveSettings(mode="images", dataset="mnist", latent_dim=8, hidden=8, batch_size=64, steps=10)
    G, _ = build_models(images)
    save_generator(images, G.state_dict(), tmp_path / "generator")
    out = tmp_path / "s.npz"
    assert main([str(tmp_path / "generator"), "--n", "6", "--seed", "2", "--out", str(out)]) == 0
    first = np.load(out)["images"]
    assert first.shape == (6, 28, 28) and first.dtype == np.uint8
    assert main([str(tmp_path / "generator"), "--n", "6", "--seed", "2", "--out", str(out)]) == 0
    assert np.array_equal(np.load(out)["images"], first)  # seeded
    points = LiveSettings(mode="2d", dataset="ring", latent_dim=2, hidden=16, batch_size=64, steps=10)
    save_generator(points, build_models(points)[0].state_dict(), tmp_path / "points")
    assert main([str(tmp_path / "points"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "toy-gan.generator" in err and "does not draw images" in err
    assert main([str(tmp_path), "--out", str(out)]) == 2  # a folder without gan_demo.json
    assert "is not a saved gan_demo model" in capsys.readouterr().err
