"""Be the discriminator: a section of the GAN tab where the learner tells real test images from the GAN's samples.

The answer key stays on the server: the page gets the pictures and the round's seed is kept in a gr.State; Check
deals the same round again from that seed (gan_demo/judge.py) and only then says which images were real.
"""
from __future__ import annotations

import gradio as gr
import numpy as np
import torch

from gan_demo import explore, judge
from gan_demo.data import DATASETS
from gan_demo.device import gpu
from gan_demo.sampling import MAX_SEED
from ui.common import check_dataset, check_int, display, get_model
from ui.components import explanation, guarded, held_out_split, initial, random_seed, seed_input

CHOICES = [f"Image {i + 1}" for i in range(judge.ROUND_SIZE)]
EXPLAIN = rf"""
### Be the discriminator
Here you play $D$. Of the {judge.ROUND_SIZE} images below, **half are real** test images and half were drawn by the
GAN. Tick the ones you think are real and press **Check**.

At the optimum of the game, for a fixed generator the best discriminator is
$D^*(x) = \dfrac{{p_\text{{r}}(x)}}{{p_\text{{r}}(x) + p_g(x)}}$. A perfect generator makes $p_g = p_\text{{r}}$,
so $D^*(x) = \tfrac12$ for every image: no judge, the best discriminator or you, can do better than a coin, and
on rounds that are half real everyone scores **50%** on average. The further above 50% you score, the further this
generator is from perfect.

*No discriminator ships with the app*: the weights hold only the generator, the part that draws pictures (the
discriminator is needed only to train it). So the judge you are compared with is a stand-in: the independent
**classifier**, trained on real images only, calls an image *real* when it is at least
{judge.CONFIDENT:.0%} sure of its class. It has never seen a generated image; it only notices pictures that look
like no class in particular, which is not what $D(x)$ measures.
"""


def _check_round(seed, dataset) -> tuple[int, str]:
    return check_int(seed, "Round seed", 0, MAX_SEED), check_dataset(dataset)


def _deal(seed: int, dataset: str) -> judge.Round:
    with torch.inference_mode():
        return judge.deal(get_model(f"gan-{dataset}"), held_out_split(dataset)[0], seed)


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def judge_round(seed: float, dataset: str) -> tuple[list, list[str], tuple[int, str], str]:
    """A round of real and generated images (which is which is not said), no marks, the round kept server-side."""
    seed, dataset = _check_round(seed, dataset)
    r = _deal(seed, dataset)
    gallery = [(display(x), f"Image {i + 1} of round {seed}: real or generated?") for i, x in enumerate(r.images)]
    text = (f"Round {seed}: {DATASETS[dataset].title}, {int(r.real.sum())} real and {int((~r.real).sum())} generated. "
            "Tick the images you think are real, then press **Check**.")
    return gallery, [], (seed, dataset), text  # no image marked yet


def _marked(marks) -> np.ndarray:
    """The ticked choices -> bool (n,): True where the learner says real; anything else gets a clear error."""
    marks = list(marks or [])
    unknown = [m for m in marks if m not in CHOICES]
    if unknown:
        raise gr.Error(f"Unknown image {unknown[0]!r}: mark images by name, {CHOICES[0]!r} to {CHOICES[-1]!r}.")
    return np.array([c in marks for c in CHOICES])


def _reveal(r: judge.Round, i: int, dataset: str, verdict: str) -> str:
    """The truth first (what shows on screen), then the classifier's verdict and where the image came from."""
    if r.real[i]:
        return f"real: Image {i + 1} · {verdict} (test image {r.source[i]})"
    return f"generated: Image {i + 1} · {verdict} (gan-{dataset}, seed {r.seed}, sample #{r.source[i]})"


@gpu  # on a ZeroGPU Space the model call runs on the GPU; a no-op elsewhere
def judge_check(state: tuple[int, str] | None, marks: list[str]) -> tuple[list, str]:
    """The round's images captioned with the truth and the classifier's verdict, and how each judge scored."""
    if not state:
        raise gr.Error("No round to check yet: press 'Deal this round' or '🎲 New round' first.")
    seed, dataset = _check_round(*state)
    said = _marked(marks)
    r = _deal(seed, dataset)
    labels, confidence = explore.classify(get_model(f"classifier-{dataset}"), r.images)
    verdicts = explore.verdicts(labels, confidence, DATASETS[dataset].classes)
    stand_in = judge.classifier_judge(confidence)
    gallery = [(display(x), _reveal(r, i, dataset, v)) for i, (x, v) in enumerate(zip(r.images, verdicts))]
    rows = "\n".join(f"| {i + 1} | {'real' if r.real[i] else 'generated'} | {'real' if said[i] else 'generated'} "
                     f"| {verdicts[i]} | {'real' if stand_in[i] else 'generated'} |" for i in range(len(r.real)))
    you, them = judge.accuracy(r.real, said), judge.accuracy(r.real, stand_in)
    text = (f"**You: {you:.0%}** ({int(round(you * len(r.real)))} of {len(r.real)} right). "
            f"**The stand-in judge** (real when the classifier is at least {judge.CONFIDENT:.0%} sure): **{them:.0%}**. "
            f"A judge who cannot tell scores 50%.\n\n"
            "| image | truth | you said | classifier's verdict | stand-in judge |\n|---|---|---|---|---|\n" + rows)
    return gallery, text


def build(dataset: gr.Radio) -> None:
    """The section, laid out where it is called (the GAN tab)."""
    explanation(EXPLAIN)
    shown = initial(judge_round, 0, dataset.value)
    with gr.Row():
        seed = seed_input("Round seed", 0, elem_id="judge-seed")
        dice = gr.Button("🎲 New round", scale=0, min_width=140, elem_id="judge-dice")
        deal = gr.Button("Deal this round", scale=0, min_width=140, elem_id="judge-deal")
    round_state = gr.State(shown[2] if shown else None)  # (seed, dataset): the key is recomputed from it on Check
    gallery = gr.Gallery(shown[0] if shown else None, label="Real or generated? (captions name each image)",
                         columns=judge.ROUND_SIZE, height="auto", format="png", allow_preview=False,
                         elem_id="judge-gallery")
    marks = guarded(gr.CheckboxGroup(CHOICES, value=[], label="The images I think are real",
                                     info="Tab to a box, Space ticks it", elem_id="judge-marks"))
    check = gr.Button("Check", variant="primary", elem_id="judge-check")
    result = gr.Markdown(shown[3] if shown else "", label="How the judges did", elem_id="judge-result")

    round_io = ([seed, dataset], [gallery, marks, round_state, result])
    deal.click(judge_round, *round_io, api_name="judge_round")
    check.click(judge_check, [round_state, marks], [gallery, result], api_name="judge_check")
    dice.click(random_seed, None, seed, api_visibility="private").success(judge_round, *round_io,
                                                                          api_visibility="private")
    dataset.change(judge_round, *round_io, api_visibility="private")

