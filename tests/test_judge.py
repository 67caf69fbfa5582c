"""Be the discriminator: the round is a pure function of its seed, half real, and the scoring is plain accuracy."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_demo import judge
from gan_demo.families.gan import Generator
from gan_demo.sampling import sample


@pytest.fixture(scope="module")
def generator():
    torch.manual_seed(0)  # only the test's own tiny weights; the library never seeds globally
    return Generator(latent_dim=16, width=8).eval()


@pytest.fixture(scope="module")
def reals():
    # distinct constant images: each one says which real image it is
    return np.repeat(np.arange(0, 250, 5, dtype=np.uint8)[:, None, None], 28, 1).repeat(28, 2)  # (50, 28, 28)


def test_same_seed_same_round_and_key(generator, reals):
    a, b = judge.deal(generator, reals, 7), judge.deal(generator, reals, 7)
    assert np.array_equal(a.images, b.images) and np.array_equal(a.real, b.real)
    assert np.array_equal(a.source, b.source)
    other = judge.deal(generator, reals, 8)
    assert not (np.array_equal(a.images, other.images) and np.array_equal(a.real, other.real))


def test_half_real_at_shuffled_places_and_the_key_says_which(generator, reals):
    keys = []
    for seed in range(12):
        r = judge.deal(generator, reals, seed)
        assert r.images.shape == (8, 28, 28) and r.images.dtype == np.uint8 and r.real.sum() == 4
        assert all(np.array_equal(r.images[i], reals[r.source[i]]) for i in np.flatnonzero(r.real))
        fakes = sample(generator, 4, seed).numpy()  # the GAN tab's samples #0-3 of the same seed
        assert all(np.array_equal(r.images[i], fakes[r.source[i]]) for i in np.flatnonzero(~r.real))
        keys.append(tuple(r.real))
    assert len(set(keys)) > 3  # the real ones are not always in the same places


def test_an_odd_round_and_a_round_too_small(generator, reals):
    assert judge.deal(generator, reals, 0, n=5).real.sum() == 2
    with pytest.raises(ValueError, match="at least 2"):
        judge.deal(generator, reals, 0, n=1)


def test_a_judge_who_cannot_tell_scores_half():
    key = np.array([True, False] * 4)
    assert judge.accuracy(key, key) == 1.0 and judge.accuracy(key, ~key) == 0.0
    assert judge.accuracy(key, np.ones(8, bool)) == 0.5 == judge.accuracy(key, np.zeros(8, bool))
    with pytest.raises(ValueError, match="3 calls for 8"):
        judge.accuracy(key, [True] * 3)


def test_the_stand_in_judge_calls_sure_verdicts_real():
    assert judge.classifier_judge(np.array([0.95, 0.9, 0.5])).tolist() == [True, True, False]


# --- the GAN tab's section, its handlers called directly with the shipped weights -------------------------------

def test_a_round_shows_pictures_that_do_not_say_which_are_real():
    import gradio as gr  # noqa: PLC0415 - the UI part of this file only

    from ui.tabs.judge import judge_round  # noqa: PLC0415

    gallery, marks, state, text = judge_round(11, "fashion")
    assert len(gallery) == 8 and state == (11, "fashion") and marks == []
    captions = [c.replace(f"Image {i + 1} ", "Image ") for i, (_, c) in enumerate(gallery)]
    assert len(set(captions)) == 1 and "round 11" in captions[0]  # the same words for every image
    assert "4 real and 4 generated" in text
    with pytest.raises(gr.Error, match="Round seed"):
        judge_round(-3, "fashion")


def test_check_recomputes_the_key_from_the_seed_and_scores_every_judge():
    import gradio as gr  # noqa: PLC0415

    from ui.common import get_model  # noqa: PLC0415
    from ui.components import held_out_split  # noqa: PLC0415
    from ui.tabs.judge import CHOICES, judge_check  # noqa: PLC0415

    key = judge.deal(get_model("gan-mnist"), held_out_split("mnist")[0], 11).real
    right = [c for c, real in zip(CHOICES, key) if real]
    gallery, text = judge_check((11, "mnist"), right)
    assert "**You: 100%**" in text and "stand-in judge" in text and text.count("\n| ") == 1 + 8  # the header, a row per image
    for (_, caption), real in zip(gallery, key):
        assert "Image " in caption and caption.startswith("real: ") == real and "%" in caption
        assert ("(test image " in caption) if real else ("generated: " in caption and "gan-mnist, seed 11" in caption)
    assert "**You: 0%**" in judge_check((11, "mnist"), [c for c in CHOICES if c not in right])[1]
    assert "**You: 50%**" in judge_check((11, "mnist"), CHOICES)[1]
    with pytest.raises(gr.Error, match="No round to check"):
        judge_check(None, right)
    with pytest.raises(gr.Error, match="Unknown image 'Image 9'"):
        judge_check((11, "mnist"), ["Image 9"])
