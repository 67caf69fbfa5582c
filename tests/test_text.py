"""DALL-E 2 in miniature: captions, tokenizer, CLIP's loss, DDIM on known values, guidance, the pipeline, the CLI."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from diffusers import DDPMScheduler

from gan_demo.data.captions import Captioner, area, intensity, vocabulary, with_article
from gan_demo.families.clip import CLIP, Tokenizer, UnknownWordsError, contrastive_loss
from gan_demo.families.clip.scoring import probabilities, retrieve, zero_shot
from gan_demo.families.text import TextToImage
from gan_demo.families.text.diffusion import (
    ddim_sample,
    diffusion_loss,
    drop_condition,
    network_evaluations,
    sampling_timesteps,
    schedule,
)
from gan_demo.families.text.generate import (
    MAX_BATCH,
    REDRAW_TRIES,
    Result,
    Step,
    faithfulness,
    finished,
    generate,
    noises,
    redraw_noises,
    redraw_strays,
    sample,
    stream,
    variations,
)
from gan_demo.families.text.training import TextTrainer, decoder_condition
from gan_demo.hub import load_folder
from gan_demo.registry import get_part
from gan_demo.sample import main as sample_main
from gan_demo.train import main as train_main
from gan_demo.training.checkpoint import load_checkpoint, save_checkpoint

ROOT = Path(__file__).resolve().parent.parent


def blob(value: float, size: int) -> torch.Tensor:
    """One (1, 28, 28) image in [-1, 1]: a centred square of side ``size`` at brightness ``value`` (0..1)."""
    x = -torch.ones(1, 28, 28)
    lo = 14 - size // 2
    x[:, lo:lo + size, lo:lo + size] = value * 2 - 1
    return x


# --- captions ------------------------------------------------------------------------------------------

def test_ink_measures_on_known_images():
    images = torch.stack([blob(1.0, 10), blob(0.5, 20)])
    assert intensity(images).tolist() == pytest.approx([1.0, 0.5])
    assert area(images).tolist() == pytest.approx([100 / 784, 400 / 784])


def test_captions_say_what_is_true_of_each_image():
    """Within a class, the dimmest third is 'dark', the brightest 'light'; the smallest 'small', the largest 'large'."""
    values, sizes = [0.3, 0.6, 0.9] * 3, [8] * 3 + [14] * 3 + [20] * 3
    images = torch.stack([blob(v, s) for v, s in zip(values, sizes)])
    labels = torch.full((9,), 7)  # sneakers
    captioner = Captioner("fashion", attribute_p=1.0, group_p=0.0).fit(images, labels)
    tones, sizes_ = zip(*captioner.attributes(images, labels))
    assert tones == ("dark", None, "light") * 3
    assert sizes_ == ("small",) * 3 + (None,) * 3 + ("large",) * 3
    captions = captioner.caption(images, labels, torch.Generator().manual_seed(0))
    assert "small dark" in captions[0] and "large light" in captions[8]
    assert all(any(noun in c for noun in ("sneaker", "trainer")) for c in captions)
    grouped = Captioner("fashion", attribute_p=0.0, group_p=1.0).fit(images, labels)
    assert set(grouped.caption(images, labels, torch.Generator().manual_seed(0))) == {"footwear"}
    digits = Captioner("mnist", attribute_p=0.0, group_p=1.0).fit(images, torch.full((9,), 3))
    assert set(digits.caption(images, torch.full((9,), 3), torch.Generator().manual_seed(0))) == {"an odd number"}


def test_fewer_attribute_words_make_a_bare_caption_stand_for_more_of_the_class():
    """A caption without attribute words hints "not dark, not small" when attributes are named 80% of the time: the
    image in the middle third of both is behind three times its share of such captions. At 30% (text-mnist's prior,
    --attribute-p 0.3) they spread over the class. A grid of 3 tones x 3 sizes, each captioned 400 times."""
    images = torch.stack([blob(v, s) for v in (0.3, 0.6, 0.9) for s in (8, 14, 20)]).repeat(400, 1, 1, 1)
    labels = torch.full((len(images),), 7)
    middle = torch.tensor([v == 0.6 and s == 14 for v in (0.3, 0.6, 0.9) for s in (8, 14, 20)]).repeat(400)

    def middle_share(p: float) -> float:
        captioner = Captioner("mnist", attribute_p=p).fit(images[:9], labels[:9])
        bare = torch.tensor([not set(c.split()) & {"dark", "light", "small", "large"}
                             for c in captioner.caption(images, labels, torch.Generator().manual_seed(0))])
        return middle[bare].float().mean().item()

    def expected(p: float) -> float:  # 15% of captions have no attribute slot (a group word, or "the digit {noun}")
        free = 0.75 * 1 / len(vocabulary("mnist").templates)
        one, two = free + (1 - free) * (1 - p), free + (1 - free) * (1 - p) ** 2  # bare, for 1 or 2 extreme thirds
        return 1 / (1 + 4 * one + 4 * two)

    assert expected(0.8) == pytest.approx(0.331, abs=1e-3) and expected(0.3) == pytest.approx(0.160, abs=1e-3)
    for p in (0.8, 0.3, 0.0):
        assert middle_share(p) == pytest.approx(expected(p), abs=0.03), p
    assert middle_share(0.0) == pytest.approx(1 / 9, abs=0.01)  # the data's own share


def test_the_train_cli_refuses_a_bad_attribute_share_interval_or_pipeline_folder(capsys):
    with pytest.raises(SystemExit) as exit_:
        train_main(["text", "--dataset", "mnist", "--attribute-p", "1.5"])
    assert exit_.value.code == 2 and "--attribute-p is a probability, between 0 and 1, got 1.5" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:  # before loading any data, not a traceback from the loader
        train_main(["text", "--dataset", "mnist", "--decoder-from", "nowhere"])
    assert exit_.value.code == 2 and "--decoder-from nowhere: no config.json there" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        train_main(["text", "--dataset", "mnist", "--prior-guidance-interval", "700", "200"])
    assert exit_.value.code == 2 and "--prior-guidance-interval: a guidance interval is two whole timesteps, low <= high" in (
        capsys.readouterr().err)
    with pytest.raises(SystemExit) as exit_:
        train_main(["text", "--dataset", "mnist", "--redraw-below", "1.5"])
    assert exit_.value.code == 2 and "--redraw-below is a cosine similarity, from -1 to 1, got 1.5" in capsys.readouterr().err


def test_every_caption_word_is_in_the_vocabulary():
    for dataset in ("fashion", "mnist"):
        words = set(vocabulary(dataset).words())
        images = torch.stack([blob(v, s) for v in (0.3, 0.6, 0.9) for s in (8, 14, 20)] * 10)
        labels = torch.arange(90) % 10
        captioner = Captioner(dataset).fit(images, labels)
        for caption in captioner.caption(images, labels, torch.Generator().manual_seed(1)):
            assert set(Tokenizer.split(caption)) <= words, caption


def test_articles():
    assert with_article("a photo of {a} ankle boot") == "a photo of an ankle boot"
    assert with_article("{a}  dark 8") == "a dark 8"
    assert with_article("{a} 8") == "an 8"


# --- tokenizer -----------------------------------------------------------------------------------------

def test_tokenizer_round_trip_and_clear_errors():
    tok = Tokenizer(["a", "dark", "t-shirt", "photo", "of"], max_words=4)
    ids = tok.encode(["A dark T-shirt!", "a photo of a"])
    assert ids.shape == (2, 4) and ids[0, 3] == 0
    assert tok.decode(ids) == ["a dark t-shirt", "a photo of a"]
    with pytest.raises(UnknownWordsError, match=r"unknown words 'blue', 'cat'.*a dark t-shirt photo of"):
        tok.encode(["a blue cat cat"])
    with pytest.raises(ValueError, match="empty"):
        tok.encode(["  ?! "])
    with pytest.raises(ValueError, match="at most 4"):
        tok.encode(["a a a a a"])


# --- CLIP ----------------------------------------------------------------------------------------------

def test_contrastive_loss_on_known_values():
    ids = torch.arange(4).unsqueeze(1)  # four different captions
    assert contrastive_loss(torch.zeros(4, 4), ids).item() == pytest.approx(math.log(4))
    assert contrastive_loss(100 * torch.eye(4), ids).item() == pytest.approx(0, abs=1e-6)
    # captions 0 and 1 identical: each of the two images has two right captions, each half the target
    same = torch.tensor([[5], [5], [6], [7]])
    logits = torch.tensor([[9.0, 9.0, 0, 0], [9.0, 9.0, 0, 0], [0, 0, 9.0, 0], [0, 0, 0, 9.0]])
    expected_row = -math.log(math.exp(9) / (2 * math.exp(9) + 2))
    loss = contrastive_loss(logits, same).item()
    assert loss == pytest.approx((2 * expected_row + 2 * -math.log(math.exp(9) / (math.exp(9) + 3))) / 4, rel=1e-5)


def tiny_clip(dataset: str = "fashion") -> CLIP:
    torch.manual_seed(0)
    return CLIP(list(vocabulary(dataset).words()), embed_dim=8, width=8, text_width=16, layers=1, heads=2).eval()


def test_clip_scoring_helpers():
    clip = tiny_clip()
    images = torch.stack([blob(0.8, s) for s in (6, 12, 18, 24)])
    probs = probabilities(clip, images[:1], ["a sneaker", "a bag"])
    assert probs.shape == (2,) and probs.sum().item() == pytest.approx(1)
    assert zero_shot(clip, "fashion", images).shape == (4,)
    embeddings = clip.encode_image(images)
    index, similarity = retrieve(clip, embeddings, "a bag", 3)
    assert len(index) == 3 and similarity[0] >= similarity[1] >= similarity[2]
    with pytest.raises(UnknownWordsError, match="'cat'"):
        probabilities(clip, images[:1], ["a cat"])


# --- diffusion -----------------------------------------------------------------------------------------

class Oracle(torch.nn.Module):
    """Knows the one clean image x0 and returns exactly the noise in x_t: DDIM must then land on x0."""

    def __init__(self, x0: torch.Tensor, noising: DDPMScheduler):
        super().__init__()
        self.x0, self.abar = x0, noising.alphas_cumprod

    def forward(self, x, t, cond):
        abar = self.abar[int(t[0])]
        return (x - abar.sqrt() * self.x0) / (1 - abar).sqrt()


@pytest.mark.parametrize("steps", [2, 10, 25])
def test_ddim_with_a_perfect_noise_predictor_returns_the_clean_image(steps):
    noising = schedule("epsilon")
    x0 = torch.rand(2, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 1.6 - 0.8
    x_T = torch.randn(2, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    cond = torch.zeros(2, 4)
    out = ddim_sample(Oracle(x0, noising), x_T, cond, torch.zeros(4), noising, steps=steps, guidance=1.0)
    assert torch.allclose(out, x0, atol=1e-4)


@pytest.mark.parametrize("steps", [2, 25])
def test_ddim_with_a_perfect_clean_image_predictor_returns_it(steps):
    """A decoder that predicts x_0 itself (--prediction sample): DDIM lands on the image it predicts."""
    noising = schedule("sample")
    x0 = torch.rand(2, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 1.6 - 0.8
    x_T = torch.randn(2, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    out = ddim_sample(lambda x, t, c: x0, x_T, torch.zeros(2, 4), torch.zeros(4), noising, steps=steps, guidance=1.0)
    assert torch.allclose(out, x0, atol=1e-4)


def test_one_ddim_step_matches_the_formula():
    """x_{t'} = sqrt(abar_t') x0_hat + sqrt(1 - abar_t') eps, with x0_hat = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)."""
    noising = schedule("epsilon", clip_sample=False)
    eps = torch.full((1, 1, 28, 28), 0.3)
    model = lambda x, t, c: eps  # noqa: E731
    x = torch.randn(1, 1, 28, 28, generator=torch.Generator().manual_seed(2))
    seen = []
    ddim_sample(model, x, torch.zeros(1, 2), torch.zeros(2), noising, steps=4, guidance=1.0,
                callback=lambda i, t, xt, x0: seen.append((t, xt, x0)))
    t0, t1 = seen[0][0], seen[1][0]
    abar = noising.alphas_cumprod
    x0_hat = (x - (1 - abar[t0]).sqrt() * eps) / abar[t0].sqrt()
    assert torch.allclose(seen[0][2], x0_hat, atol=1e-5)
    assert torch.allclose(seen[0][1], abar[t1].sqrt() * x0_hat + (1 - abar[t1]).sqrt() * eps, atol=1e-5)
    assert [s[0] for s in seen] == [750, 500, 250, 0]


def test_guidance_mixes_conditional_and_unconditional_outputs():
    """w = 0 follows the unconditional output only; w = 1 the conditional; the output is linear in w."""
    noising = schedule("epsilon", clip_sample=False)
    model = lambda x, t, c: c[:, :1, None, None].expand_as(x) * 0.1  # noqa: E731 - "noise" = 0.1 * condition
    x = torch.randn(1, 1, 28, 28, generator=torch.Generator().manual_seed(3))
    cond, null = torch.ones(1, 2), torch.full((2,), -1.0)
    run = lambda c, w: ddim_sample(model, x, c, null, noising, steps=3, guidance=w)  # noqa: E731
    assert torch.allclose(run(cond, 0.0), run(null[None], 1.0), atol=1e-5)
    assert torch.allclose(run(cond, 1.0), ddim_sample(model, x, cond, null, noising, steps=3, guidance=1.0))


def test_guidance_applies_only_on_its_interval_of_timesteps():
    """A guidance interval (Kynkaanniemi et al., 2024): covering every visited timestep it is plain guidance,
    covering none it is plain conditional sampling, in between it differs from both; only its steps evaluate the
    network twice, and a bad interval is refused by name."""
    noising = schedule("epsilon", clip_sample=False)
    calls = []

    def model(x, t, c):
        calls.append(len(x))
        return c[:, :1, None, None].expand_as(x) * 0.1 * (1 + t[:, None, None, None] / 1000)

    x = torch.randn(1, 1, 28, 28, generator=torch.Generator().manual_seed(3))
    cond, null = torch.ones(1, 2), torch.full((2,), -1.0)
    run = lambda span, w=3.0: ddim_sample(model, x, cond, null, noising, steps=4, guidance=w, interval=span)  # noqa: E731
    assert sampling_timesteps(4) == [750, 500, 250, 0]
    everywhere, plain = run(None), run(None, 1.0)
    assert torch.equal(run((0, 999)), everywhere) and torch.equal(run((1, 249)), plain)
    calls.clear()
    middle = run((250, 500))
    assert calls == [1, 2, 2, 1]  # two guided steps of four, each one doubled batch
    assert not torch.allclose(middle, everywhere) and not torch.allclose(middle, plain)
    assert [network_evaluations(4, w, span) for w, span in [(3, None), (3, (250, 500)), (1, None), (1, (0, 999))]] == [
        8, 6, 4, 4]
    for bad in [(500, 250), (-1, 10), (0, 1000), (0.5, 10), (1, 2, 3)]:
        with pytest.raises(ValueError, match="a guidance interval is two whole timesteps"):
            run(bad)


def test_training_loss_and_condition_dropping():
    noising = schedule("epsilon")
    zero = lambda x, t, c: torch.zeros_like(x)  # noqa: E731 - predicts no noise: the loss is E[eps^2] ~ 1
    x0 = torch.zeros(256, 1, 28, 28)
    assert diffusion_loss(zero, x0, torch.zeros(256, 2), noising, torch.Generator().manual_seed(0)).item() == (
        pytest.approx(1, abs=0.01))
    clean = lambda x, t, c: -torch.ones_like(x)  # noqa: E731 - predicts x_0 = -1: the loss is E[(x_0 + 1)^2] = 1
    assert diffusion_loss(clean, x0, torch.zeros(256, 2), schedule("sample"), torch.Generator().manual_seed(0)).item() == (
        pytest.approx(1))
    cond, null = torch.ones(2000, 3), torch.zeros(3)
    dropped = drop_condition(cond, null, 0.1, torch.Generator().manual_seed(0))
    assert 0.08 < (dropped == 0).all(1).float().mean().item() < 0.12


# --- the pipeline --------------------------------------------------------------------------------------

def tiny_pipeline(**settings) -> TextToImage:
    """The registry's tiny pipeline with the digits' vocabulary; ``settings`` override its other arguments."""
    torch.manual_seed(0)
    kwargs = dict(get_part("text.pipeline").tiny)
    kwargs["clip"] = dict(kwargs["clip"], words=list(vocabulary("mnist").words()), max_words=10)
    return TextToImage(**kwargs | settings).eval()


def test_pipeline_is_seeded_and_checks_its_settings():
    model = tiny_pipeline()
    a = generate(model, ["a photo of a 7"] * 3, seed=5, steps=3).images
    assert a.shape == (3, 1, 28, 28) and a.min() >= -1 and a.max() <= 1
    assert torch.equal(a, generate(model, ["a photo of a 7"] * 3, seed=5, steps=3).images)
    assert not torch.equal(a, generate(model, ["a photo of a 7"] * 3, seed=6, steps=3).images)
    prior_noise, image_noise = noises(model, 2, 0)
    assert prior_noise.shape == (2, model.embed_dim) and image_noise.shape == (2, 1, 28, 28)
    for bad, words in [(dict(steps=1), "steps must be"), (dict(steps=101), "steps must be"),
                       (dict(guidance=-1.0), "guidance must be"), (dict(guidance=99.0), "guidance must be")]:
        with pytest.raises(ValueError, match=words):
            generate(model, ["a 7"], 0, **bad)
    with pytest.raises(ValueError, match="unknown word 'cat'"):
        generate(model, ["a cat"], 0)
    assert variations(model, a[:1], 2, seed=0, steps=2).images.shape == (2, 1, 28, 28)


def test_strays_are_redrawn_from_seeded_noise_keeping_the_most_faithful_decode(tmp_path):
    """redraw_below: an image whose CLIP embedding strays from the embedding it was decoded from is decoded again from
    fresh seeded noise, the most faithful decode kept. At 1 every image is a stray (the tiny decoder is untrained);
    at -1 none is, and the images are those of a pipeline that never redraws."""
    never, always = tiny_pipeline(), tiny_pipeline(redraw_below=1.0)
    always.load_state_dict(never.state_dict())
    prompts = ["a photo of a 7", "an odd number", "a 3"]
    plain = generate(never, prompts, seed=2, steps=3).images
    redrawn = generate(always, prompts, seed=2, steps=3)
    assert torch.equal(redrawn.images, generate(always, prompts, seed=2, steps=3).images)  # same seed, same images
    assert not torch.equal(redrawn.images, plain) and torch.equal(redrawn.first, plain)  # first decodes: no redraw
    assert redrawn.decodes.tolist() == [1 + REDRAW_TRIES] * 3  # at a cosine of 1 every decode strays
    assert redrawn.redrawn.tolist() == (redrawn.images != plain).flatten(1).any(1).tolist()
    always.redraw_below = -1.0
    kept = generate(always, prompts, seed=2, steps=3)
    assert torch.equal(kept.images, plain) and kept.decodes.tolist() == [1, 1, 1]  # the cost of redrawing, counted
    assert not kept.redrawn.any()
    # the kept decode is, image by image, the most faithful of the first and the REDRAW_TRIES redraws
    embedding = torch.nn.functional.normalize(torch.randn(3, always.embed_dim, generator=torch.Generator().manual_seed(0)), dim=1)
    first = always.decode(embedding, noises(always, 3, 4)[1], 3)
    tries = redraw_noises(always, 3, 4)
    assert tries.shape == (REDRAW_TRIES, 3, 1, 28, 28) and not torch.equal(tries[0], noises(always, 3, 4)[1])
    always.redraw_below = 1.0
    kept, decodes = redraw_strays(always, first, embedding, tries, 3, None)
    assert decodes.tolist() == [1 + REDRAW_TRIES] * 3  # at a cosine of 1, every decode strays: each is drawn 3 times
    candidates = [first] + [always.decode(embedding, noise, 3) for noise in tries]
    scores = torch.stack([faithfulness(always, c, embedding) for c in candidates])
    best = torch.stack([candidates[k][i] for i, k in enumerate(scores.argmax(0).tolist())])
    assert torch.allclose(kept, best, atol=1e-5)
    with pytest.raises(ValueError, match="redraw_below is a cosine"):
        tiny_pipeline(redraw_below=2.0)
    always.save_pretrained(tmp_path)  # a setting of the pipeline, saved with it
    assert TextToImage.from_pretrained(tmp_path).redraw_below == 1.0


@pytest.mark.parametrize("redraw_below", [None, 1.0])
def test_the_stream_yields_each_step_then_the_result_generate_gives(redraw_below):
    """stream(): every DDIM step of every batch (a new batch every MAX_BATCH images), then the Result; the last step's
    x_t is the first decode, and generate() is the stream run to its end. With redraws (at a cosine of 1 every image
    strays) the Result's images are the redrawn ones, its first decodes still the steps' last frame."""
    model = tiny_pipeline(redraw_below=redraw_below)
    prompts = ["a photo of a 7", "an odd number"] * (MAX_BATCH // 2) + ["a 3"]  # two batches: 64 images and 1
    *steps, made = stream(model, prompts, seed=4, steps=3, guidance=2.0)
    assert all(isinstance(s, Step) for s in steps) and isinstance(made, Result)
    assert [(s.start, s.index, s.steps) for s in steps] == [(start, i, 3) for start in (0, MAX_BATCH) for i in range(3)]
    assert [s.t for s in steps[:3]] == sampling_timesteps(3)
    last = torch.cat([steps[2].x_t, steps[5].x_t]).clamp(-1, 1)  # each batch's last frame
    assert steps[2].x_t.shape == steps[2].x0.shape == (MAX_BATCH, 1, 28, 28) and steps[5].x_t.shape == (1, 1, 28, 28)
    assert torch.equal(last, made.first)
    reference = generate(model, prompts, seed=4, steps=3, guidance=2.0)
    assert torch.equal(made.images, reference.images) and torch.equal(made.decodes, reference.decodes)
    assert torch.equal(finished(stream(model, prompts, seed=4, steps=3, guidance=2.0)).images, made.images)
    if redraw_below is None:
        assert torch.equal(made.images, last) and (made.decodes == 1).all() and not made.redrawn.any()
    else:
        assert (made.decodes == 1 + REDRAW_TRIES).all() and made.redrawn.any()
    with pytest.raises(ValueError, match="the prompts or the image embeddings"):
        next(stream(model, None, seed=0))


def test_a_decoder_trained_with_captions_reads_the_text_and_works_without_it(tmp_path):
    """decoder text=True: its condition is the image and the text embedding side by side; with no text (image
    variations) its null text half stands in; a decoder without captions ignores a text it is given."""
    model = tiny_pipeline(decoder=dict(channels=(8, 16), text=True))
    d = model.embed_dim
    assert model.decoder.project.in_features == 2 * d and model.decoder.null.shape == (2 * d,)
    with torch.no_grad():  # an untrained decoder's null is zero and its reading of the text small: make both count
        model.decoder.null.normal_()
        model.decoder.project.weight.mul_(100)
    image, text = torch.nn.functional.normalize(torch.randn(2, 2, d), dim=-1)
    assert torch.equal(model.condition(image, text), torch.cat([image, text], 1))
    assert torch.equal(model.condition(image)[:, d:], model.decoder.null[d:].detach().expand(2, d))
    noise = torch.randn(2, 1, 28, 28)
    with torch.inference_mode():
        with_text, other_text, without = (model.decode(image, noise, 3, text=t) for t in (text, text.flip(0), None))
    assert not torch.equal(with_text, other_text) and not torch.equal(with_text, without)
    model.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["decoder"]["text"] is True
    loaded = TextToImage.from_pretrained(tmp_path).eval()
    assert torch.equal(*(generate(m, ["a photo of a 7", "an odd number"], seed=1, steps=3).images
                         for m in (model, loaded)))
    assert variations(loaded, with_text[:1], 2, seed=0, steps=2).images.shape == (2, 1, 28, 28)
    plain = tiny_pipeline()
    assert torch.equal(plain.condition(image, text), image)


def test_the_caption_is_dropped_for_half_the_decoders_training_steps():
    """Classifier-free guidance drops the whole condition 10% of the time; a decoder trained with captions also
    loses the caption (its null text half stands in) on half of the other steps, as unCLIP's decoder does."""
    model = tiny_pipeline(decoder=dict(channels=(8, 16), text=True))
    d = model.embed_dim
    with torch.no_grad():
        model.decoder.null.copy_(torch.arange(2 * d) + 100.0)  # a null no embedding equals
    null = model.decoder.null.detach()
    cond = decoder_condition(model, torch.ones(4000, d), -torch.ones(4000, d), torch.Generator().manual_seed(0))
    everything = (cond == null).all(1)
    caption = (cond[:, d:] == null[d:]).all(1) & ~everything
    assert 0.08 < everything.float().mean() < 0.12
    assert 0.45 < caption.float().sum() / (~everything).float().sum() < 0.55
    assert (cond[~everything, :d] == 1).all() and (cond[~everything & ~caption, d:] == -1).all()
    plain = tiny_pipeline()
    assert decoder_condition(plain, torch.ones(10, plain.embed_dim), torch.ones(10, plain.embed_dim),
                             torch.Generator().manual_seed(0)).shape == (10, plain.embed_dim)


def test_what_the_decoder_predicts_is_saved_with_the_pipeline(tmp_path):
    """--prediction sample: the pipeline's config says so, and the loaded copy samples exactly as the original."""
    model = tiny_pipeline(prediction="sample")
    assert model.image_noising.config.prediction_type == "sample"
    assert tiny_pipeline().image_noising.config.prediction_type == "epsilon"  # the default, as in older configs
    model.save_pretrained(tmp_path)
    loaded = TextToImage.from_pretrained(tmp_path).eval()
    assert loaded.image_noising.config.prediction_type == "sample"
    same = [generate(m, ["a photo of a 7"], seed=1, steps=3).images for m in (model, loaded)]
    assert torch.equal(*same)


def test_the_prior_guidance_interval_is_saved_with_the_pipeline_and_used(tmp_path):
    """The interval is in config.json, the loaded copy samples as the original, and it changes the samples."""
    model = tiny_pipeline(prior_guidance=4.0, prior_guidance_interval=[300, 700])
    assert model.prior_guidance_interval == (300, 700) and tiny_pipeline().prior_guidance_interval is None
    model.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["prior_guidance_interval"] == [300, 700]
    loaded = TextToImage.from_pretrained(tmp_path).eval()
    same = [generate(m, ["a photo of a 7"], seed=1, steps=5).images for m in (model, loaded)]
    assert torch.equal(*same)
    assert not torch.equal(same[0], generate(tiny_pipeline(prior_guidance=4.0), ["a photo of a 7"], seed=1, steps=5).images)
    with pytest.raises(ValueError, match="a guidance interval is two whole timesteps"):
        tiny_pipeline(prior_guidance_interval=[700, 300])


def test_class_labels_become_class_prompts():
    model = tiny_pipeline()
    images = sample(model, 4, 0, torch.tensor([0, 1, 2, 3]), steps=2)
    assert images.dtype == torch.uint8 and images.shape == (4, 28, 28)
    prompted = sample(model, 4, 0, None, prompt="a photo of a 1", steps=2)
    assert torch.equal(images[1], prompted[1])  # label 1 is the prompt "a photo of a 1", with the same noise


@pytest.mark.slow
def test_sample_cli_with_a_prompt_and_with_all_labels(tmp_path, capsys):
    out = tmp_path / "s.npz"
    assert sample_main(["text-mnist", "--prompt", "an odd number", "--n", "3", "--seed", "1", "--steps", "5",
                        "--out", str(out)]) == 0
    data = np.load(out)
    assert data["images"].shape == (3, 28, 28) and data["images"].dtype == np.uint8 and (data["labels"] == -1).all()
    assert sample_main(["text-mnist", "--all-labels", "--n", "4", "--steps", "5", "--out", str(out)]) == 0
    assert np.load(out)["labels"].tolist() == [0, 1, 2, 3]
    for argv, words in [(["--prompt", "a cat"], "unknown word 'cat'"), (["--steps", "0", "--label", "3"], "steps must be"),
                        ([], "pass --prompt"), (["--guidance", "20", "--label", "1"], "guidance must be")]:
        assert sample_main(["text-mnist", "--n", "2", *argv, "--out", str(out)]) == 2
        assert words in capsys.readouterr().err
    assert sample_main(["gan-mnist", "--prompt", "a 7", "--out", str(out)]) == 2
    assert "only the text and text-flow models turn a prompt" in capsys.readouterr().err


def test_a_guided_step_follows_the_clipped_prediction():
    """A guided output far too large clips x_0 to [-1, 1]; the step's noise is recomputed from that x_0, so x_t stays
    on the noise schedule's scale instead of running away (the unclipped noise made guided samples collapse)."""
    noising = schedule("epsilon", clip_sample=True)
    model = lambda x, t, c: torch.full_like(x, 1.0) + c[:, :1, None, None] * 40  # noqa: E731
    x = torch.randn(2, 1, 28, 28, generator=torch.Generator().manual_seed(4))
    seen = []
    ddim_sample(model, x, torch.ones(2, 2), torch.zeros(2), noising, steps=10, guidance=5.0,
                callback=lambda i, t, xt, x0: seen.append((xt, x0)))
    assert all(x0.abs().max() <= 1 for _, x0 in seen)
    assert all(xt.abs().max() < 6 for xt, _ in seen)


def test_the_last_prior_steps_train_the_prior_alone_and_resume_exactly(tmp_path):
    """TextTrainer: joint steps move decoder and prior; the prior-only stage leaves the decoder (and CLIP) as they
    are. One step count spans both stages, and a run restored from its state_dict continues exactly."""
    images = torch.rand(32, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    labels = torch.arange(32) % 10
    captioner = Captioner("mnist").fit(images, labels)  # tiny_pipeline knows the digits' words

    def trainer(model):
        return TextTrainer(model, images, labels, captioner, joint_steps=2, prior_steps=3, batch_size=4, lr=1e-3,
                           seed=0, device=torch.device("cpu"))

    model = tiny_pipeline()
    run = trainer(model)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    assert [r["step"] for r in run.run(2)] == [1, 2]
    moved = {k for k, v in model.state_dict().items() if not torch.equal(v, before[k])}
    assert any(k.startswith("decoder.") for k in moved) and any(k.startswith("prior.") for k in moved)
    assert not any(k.startswith("clip.") for k in moved)
    save_checkpoint(run.state_dict(), tmp_path / "checkpoint.safetensors")
    decoder = {k: v.clone() for k, v in model.state_dict().items() if not k.startswith("prior.")}
    records = list(run.run(3))
    assert [r["step"] for r in records] == [3, 4, 5] and all(set(r) == {"step", "loss", "prior"} for r in records)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in decoder.items())  # only the prior moved
    resumed = trainer(tiny_pipeline())
    resumed.load_state_dict(load_checkpoint(tmp_path / "checkpoint.safetensors"))
    assert resumed.step == 2 and [r["loss"] for r in resumed.run(3)] == pytest.approx([r["loss"] for r in records])


def test_a_checkpoint_from_before_the_prior_stage_resumes_into_it():
    """Checkpoints of the joint run alone (before --prior-steps existed) carry on with the prior-only stage."""
    images = torch.rand(16, 1, 28, 28, generator=torch.Generator().manual_seed(1)) * 2 - 1
    labels = torch.arange(16) % 10
    captioner = Captioner("mnist").fit(images, labels)
    old = TextTrainer(tiny_pipeline(), images, labels, captioner, joint_steps=2, prior_steps=0, batch_size=4, lr=1e-3,
                      seed=0, device=torch.device("cpu"))
    list(old.run(2))
    new = TextTrainer(tiny_pipeline(), images, labels, captioner, joint_steps=2, prior_steps=2, batch_size=4, lr=1e-3,
                      seed=0, device=torch.device("cpu"))
    new.load_state_dict(old.joint.state_dict())
    assert new.step == 2 and [set(r) for r in new.run(2)] == [{"step", "loss", "prior"}] * 2 and new.step == 4


def test_a_finished_prior_stage_resumed_with_more_prior_steps_trains_the_prior():
    """--prior-steps raised after a finished run: the prior's rate, annealed to 0, restarts at half its base (the
    resumed stage anneals over its new length) and the prior moves; before, the rate stayed 0 and nothing changed."""
    images = torch.rand(16, 1, 28, 28, generator=torch.Generator().manual_seed(2)) * 2 - 1
    labels = torch.arange(16) % 10
    captioner = Captioner("mnist").fit(images, labels)

    def trainer(model, prior_steps):
        return TextTrainer(model, images, labels, captioner, joint_steps=1, prior_steps=prior_steps, batch_size=4,
                           lr=1e-3, seed=0, device=torch.device("cpu"))

    finished = trainer(tiny_pipeline(), 2)
    list(finished.run(3))
    assert finished.opt.param_groups[0]["lr"] == pytest.approx(0, abs=1e-12)
    model = tiny_pipeline()
    longer = trainer(model, 4)
    longer.load_state_dict(finished.state_dict())
    assert longer.opt.param_groups[0]["lr"] == pytest.approx(0.5e-3)
    prior = {k: v.clone() for k, v in model.state_dict().items() if k.startswith("prior.")}
    list(longer.run(2))
    assert any(not torch.equal(v, model.state_dict()[k]) for k, v in prior.items())


@pytest.mark.slow
def test_guidance_table_compares_the_prior_with_real_images_embeddings():
    """experiments/tune_guidance.py --real: for each decoder scale, a prompted row and rows decoded from the CLIP
    embeddings of real test and training images of the same classes (a faithful decoder keeps most of their
    classes), the conditional GAN on those classes as the reference, and the real images themselves, as they are and with a faint
    background (which costs distance and shows in the faint-pixel column)."""
    out = subprocess.run([sys.executable, "experiments/tune_guidance.py", "--dataset", "mnist", "--n", "40", "--decoder", "2",
                          "--prior", "2", "--steps", "10", "--real", "--weights", "weights/text-mnist"], cwd=ROOT,
                         check=True, timeout=600, capture_output=True, text=True).stdout
    head = out.splitlines()[0]  # the folder given, and the shipped pipeline's redraw setting
    assert head == "weights/text-mnist, strays redrawn below a cosine of 0.95, 40 class-prompted samples, 10 steps, seed 0"
    rows = [[c.strip() for c in line.split("|")[1:-1]] for line in out.splitlines() if line.startswith(("| 2 |", "| - |"))]
    assert [row[1] for row in rows] == ["2", "real images", "real training images", "cGAN (reference)",
                                        "real test images", "real, faint background"]
    percent = lambda cell: float(cell.rstrip("%"))  # noqa: E731
    for _, _, _, agreement, confident, distance, faint in rows:
        assert all(0 <= percent(c) <= 100 for c in (agreement, confident, faint)) and float(distance) >= 0
    assert percent(rows[1][3]) >= 70 and percent(rows[2][3]) >= 70  # decoded from real digits: mostly the same digits
    assert percent(rows[3][3]) >= 95  # the cGAN draws the digit asked for
    real, hazy = rows[4], rows[5]
    assert percent(real[6]) < 5 and percent(hazy[6]) > 50  # real digits hardly have faint pixels; the haze is counted
    assert float(hazy[5]) > float(real[5]) + 10  # and the classifier's features notice it


def guidance_table(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "experiments/tune_guidance.py", "--dataset", "mnist", *args], cwd=ROOT,
                          timeout=600, capture_output=True, text=True)


@pytest.mark.slow
def test_guidance_table_samples_through_another_pipelines_decoder(tmp_path):
    """--decoder-of FOLDER (ablations: one run's decoder under another's prior): the samples come from that folder's
    decoder. An untrained decoder with the shipped CLIP draws noise, so the prompted digit collapses."""
    shipped = load_folder(TextToImage, ROOT / "weights/text-mnist")
    untrained = TextToImage(**json.loads((ROOT / "weights/text-mnist/config.json").read_text()))
    untrained.clip.load_state_dict(shipped.clip.state_dict())
    untrained.save_pretrained(tmp_path / "untrained")
    flags = ["--n", "40", "--decoder", "1", "--prior", "3", "--interval", "200-700", "--steps", "5"]

    def agreement(*extra: str) -> tuple[float, str]:  # the prompted digit (%), the table's header
        out = guidance_table(*flags, *extra)
        assert out.returncode == 0, out.stderr
        row = next(line for line in out.stdout.splitlines() if line.startswith("| 1 |"))
        return float(row.split("|")[4].strip().rstrip("%")), out.stdout.splitlines()[0]

    own, header = agreement()
    swapped, swapped_header = agreement("--decoder-of", str(tmp_path / "untrained"))
    assert header.startswith("text-mnist, strays redrawn below a cosine of 0.95, 40")
    assert swapped_header.startswith(f"text-mnist with the decoder of {tmp_path}")
    assert own >= 90 and swapped <= 50


def test_guidance_table_refuses_a_decoder_from_another_clip():
    """A decoder reads its own CLIP's embedding space: text-fashion's decoder under MNIST's prior is refused."""
    out = guidance_table("--decoder-of", "weights/text-fashion")
    assert out.returncode == 2 and "--decoder-of weights/text-fashion: its CLIP differs" in out.stderr
