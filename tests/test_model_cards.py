"""The model cards the Hub shows (weights/<name>/README.md) and the README's table of models: both are exactly what
`make evaluate` writes from weights/evaluation.json and the training table, so a figure cannot drift."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gan_demo import create_model, pretrained_names
from gan_demo.evaluation.model_card import (
    MODELS_END,
    MODELS_START,
    README,
    card,
    models_table,
    training_runs,
    write_cards,
)
from gan_demo.hub import CONFIG_FILE, load_pretrained, save_pretrained, weights_dir
from gan_demo.registry import parse_name

RESULTS = json.loads((weights_dir() / "evaluation.json").read_text())
BY_DATASET = {r["dataset"]: r for r in RESULTS}
RUNS = training_runs()


def expected_card(name: str, results: dict = BY_DATASET) -> str:
    _, dataset = parse_name(name)
    config = json.loads((weights_dir() / name / CONFIG_FILE).read_text())
    return card(name, results[dataset], RUNS[name], load_pretrained(name), config)


@pytest.mark.parametrize("name", pretrained_names())
def test_every_card_is_what_make_evaluate_writes(name):
    assert (weights_dir() / name / "README.md").read_text() == expected_card(name), \
        f"weights/{name}/README.md is stale: run make evaluate (python -m gan_demo.evaluate --write-docs)"


def test_a_card_follows_a_changed_figure():
    """The card quotes evaluation.json: change a figure and the card written from it changes with it."""
    changed = {d: dict(r) for d, r in BY_DATASET.items()}
    changed["fashion"]["cgan_agreement"] = 0.5
    assert "| conditional GAN: samples judged the requested class | 50.0% |" in expected_card("cgan-fashion", changed)
    assert expected_card("cgan-fashion", changed) != (weights_dir() / "cgan-fashion" / "README.md").read_text()


@pytest.mark.parametrize("name, tags, licence", [
    ("text-mnist", ["text-to-image", "diffusion", "mnist"], "cc-by-sa-3.0"),
    ("clip-fashion", ["clip", "fashion-mnist"], "mit"),
    ("gan-fashion", ["gan", "fashion-mnist"], "mit"),
    ("autoencoder-mnist", ["autoencoder", "mnist"], "cc-by-sa-3.0"),
])
def test_cards_carry_their_family_and_dataset_tags(name, tags, licence):
    text = (weights_dir() / name / "README.md").read_text()
    front = text.split("---")[1]
    assert all(f"\n- {tag}\n" in front for tag in tags) and f"license: {licence}" in front
    other = {"gan", "autoencoder"} - set(tags) - ({"gan"} if name.startswith("gan") else set())
    assert not any(f"\n- {tag}\n" in front for tag in other), front


def test_no_card_says_more_information_needed():
    for name in pretrained_names():
        text = (weights_dir() / name / "README.md").read_text()
        assert "More Information Needed" not in text, name
        assert "## Training" in text and "python -m gan_demo.train" in text and "## Evaluation" in text, name


def test_every_shipped_model_has_its_training_command_and_time():
    assert set(RUNS) == set(pretrained_names())
    assert all(command and time for runs in RUNS.values() for command, time in runs)


def test_readme_table_of_models_is_what_make_evaluate_writes():
    block = README.read_text().split(MODELS_START, 1)[1].split(MODELS_END, 1)[0]
    assert block.strip() == models_table(RESULTS, list(pretrained_names()))


def test_write_cards_writes_a_folder_the_way_the_tests_read_it(tmp_path):
    shutil.copytree(weights_dir() / "gan-mnist", tmp_path / "gan-mnist")
    (tmp_path / "gan-mnist" / "README.md").unlink()
    written = write_cards([BY_DATASET["mnist"]], folder=tmp_path)
    assert Path(tmp_path / "gan-mnist" / "README.md") in written
    assert (tmp_path / "gan-mnist" / "README.md").read_text() == expected_card("gan-mnist")


def test_a_freshly_saved_folder_gets_an_honest_first_card(tmp_path):
    save_pretrained(create_model("gan.generator", latent_dim=4, width=4), tmp_path / "run")
    text = (tmp_path / "run" / "README.md").read_text()
    assert "More Information Needed" not in text and "make evaluate" in text and "load_saved" in text
