"""Captions for every training image, made from what is true of it: the text side of the miniature DALL-E 2.

A caption names the image's class (or a synonym), sometimes only its group (Fashion-MNIST: ``footwear``, ``top``;
digits: ``even``, ``odd``), and attributes measured from its own pixels relative to the other images of its class:
``dark`` / ``light`` (mean intensity of the ink) and ``small`` / ``large`` (share of the image that is ink), for the
bottom and top third of the class. Templates vary the wording, so a batch holds few identical captions:
"a dark sneaker", "a photo of a small 7", "an odd number", "large footwear".

Captions are drawn afresh each time an image is seen (a seeded ``torch.Generator`` picks words), so CLIP meets
every way of saying the same true thing.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

INK = 0.2  # a pixel is ink when brighter than this, on the [0, 1] scale (background is 0)


@dataclass(frozen=True)
class Vocabulary:
    """The words of one dataset's captions: nouns per class (the first is the class prompt's), groups, templates."""

    nouns: tuple[tuple[str, ...], ...]
    groups: dict[str, tuple[int, ...]]  # group word -> classes
    group_template: str  # how a caption names only the group, e.g. "{a} {attrs} {group} number"
    templates: tuple[str, ...]  # "{a} {attrs} {noun}" and friends

    def class_prompt(self, label: int) -> str:
        """The zero-shot prompt of a class: "a photo of a sneaker"."""
        return with_article(f"a photo of {{a}} {self.nouns[label][0]}")

    def group_of(self, label: int) -> str | None:
        return next((g for g, members in self.groups.items() if label in members), None)

    def words(self) -> tuple[str, ...]:
        """Every word a caption can contain, in a fixed order (the tokenizer's vocabulary)."""
        text = " ".join([*(n for nouns in self.nouns for n in nouns), *self.groups, self.group_template,
                         *self.templates, *ATTRIBUTES, "a", "an"])
        words = text.replace("{a}", " ").replace("{attrs}", " ").replace("{noun}", " ").replace("{group}", " ").split()
        return tuple(dict.fromkeys(words))


ATTRIBUTES = ("dark", "light", "small", "large")
COMMON = ("{a} {attrs} {noun}", "a photo of {a} {attrs} {noun}", "a picture of {a} {attrs} {noun}")
VOCABULARIES = {
    "fashion": Vocabulary(
        nouns=(("t-shirt", "tee"), ("trousers", "pants"), ("pullover", "sweater"), ("dress",), ("coat", "jacket"),
               ("sandal",), ("shirt",), ("sneaker", "trainer"), ("bag", "handbag"), ("ankle boot", "boot")),
        groups={"footwear": (5, 7, 9), "top": (0, 2, 4, 6)},
        group_template="{attrs} {group}",
        templates=COMMON,
    ),
    "mnist": Vocabulary(
        nouns=tuple((str(d), w) for d, w in enumerate(
            ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"))),
        groups={"even": (0, 2, 4, 6, 8), "odd": (1, 3, 5, 7, 9)},
        group_template="{a} {attrs} {group} number",
        templates=(*COMMON, "the digit {noun}", "a handwritten {attrs} {noun}"),
    ),
}


def vocabulary(dataset: str) -> Vocabulary:
    if dataset not in VOCABULARIES:
        raise ValueError(f"no captions for dataset {dataset!r}; choose one of {sorted(VOCABULARIES)}")
    return VOCABULARIES[dataset]


def with_article(text: str) -> str:
    """Fill ``{a}`` with "a" or "an" by the next word, and tidy the spaces left by empty slots."""
    words = text.split()
    out = []
    for i, word in enumerate(words):
        if word == "{a}":
            following = words[i + 1] if i + 1 < len(words) else ""
            word = "an" if following[:1] in tuple("aeiou8") else "a"
        out.append(word)
    return " ".join(out)


def intensity(images: torch.Tensor) -> torch.Tensor:
    """Mean brightness of the ink pixels of each image ((N, 1, 28, 28) in [-1, 1]) on [0, 1]: low is dark."""
    x = (images.flatten(1) + 1) / 2
    ink = x > INK
    return (x * ink).sum(1) / ink.sum(1).clamp(min=1)


def area(images: torch.Tensor) -> torch.Tensor:
    """Share of the image covered by ink, per image."""
    return ((images.flatten(1) + 1) / 2 > INK).float().mean(1)


MEASURES = {"dark": intensity, "light": intensity, "small": area, "large": area}


@dataclass
class Captioner:
    """Captions images of one dataset; ``fit`` learns the per-class thirds that make an image dark or large."""

    dataset: str
    thresholds: torch.Tensor | None = None  # (classes, 2 measures, 2 cuts): intensity and area terciles
    attribute_p: float = 0.8  # how often a caption mentions an attribute the image has
    group_p: float = 0.25  # how often it names the group instead of the class

    @property
    def vocab(self) -> Vocabulary:
        return vocabulary(self.dataset)

    def fit(self, images: torch.Tensor, labels: torch.Tensor) -> Captioner:
        stats = torch.stack([intensity(images), area(images)], 1)
        cuts = torch.tensor([1 / 3, 2 / 3])
        # a class without images (only in tests) takes the thirds of all images
        self.thresholds = torch.stack([torch.quantile(stats[labels == c] if (labels == c).any() else stats, cuts, dim=0).T
                                       for c in range(len(self.vocab.nouns))])
        return self

    def attributes(self, images: torch.Tensor, labels: torch.Tensor) -> list[tuple[str | None, str | None]]:
        """(tone, size) per image: 'dark'/'light'/None and 'small'/'large'/None."""
        if self.thresholds is None:
            raise RuntimeError("call Captioner.fit(images, labels) on the training split first")
        cuts = self.thresholds[labels]  # (N, 2, 2)
        out = []
        for (tone, size), (t, s) in zip(torch.stack([intensity(images), area(images)], 1).tolist(), cuts.tolist(),
                                        strict=True):
            out.append(("dark" if tone < t[0] else "light" if tone > t[1] else None,
                        "small" if size < s[0] else "large" if size > s[1] else None))
        return out

    def caption(self, images: torch.Tensor, labels: torch.Tensor, rng: torch.Generator) -> list[str]:
        """One caption per image, words drawn with ``rng``."""
        vocab, captions = self.vocab, []
        coins = torch.rand(len(labels), 4, generator=rng).tolist()
        picks = torch.randint(0, 1 << 30, (len(labels), 2), generator=rng).tolist()
        for label, (tone, size), coin, pick in zip(labels.tolist(), self.attributes(images, labels), coins, picks,
                                                   strict=True):
            attrs = " ".join(a for a, c in ((size, coin[0]), (tone, coin[1])) if a and c < self.attribute_p)
            group = vocab.group_of(label)
            if group is not None and coin[2] < self.group_p:
                text = vocab.group_template.replace("{group}", group)
            else:
                nouns = vocab.nouns[label]
                template = vocab.templates[pick[0] % len(vocab.templates)]
                text = template.replace("{noun}", nouns[pick[1] % len(nouns)])
            captions.append(with_article(text.replace("{attrs}", attrs)))
        return captions
