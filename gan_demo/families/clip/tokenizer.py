"""Words to ids and back, over a closed vocabulary: the captions' words, nothing else.

The models only know the words their captions used. A prompt is read the way a person types it: case does not
matter, a typed word finds its singular or plural in the vocabulary ("Sneakers" reads "sneaker", "Trouser" reads
"trousers"), and a slash offers alternatives of which the first is read (the class name "T-shirt/top" reads
"t-shirt"). Any other word is refused with a message that names the unknown words and lists the known ones, so a
learner sees at once what the model can read.
"""
from __future__ import annotations

import re

import torch

PAD = "<pad>"
WORD = r"[a-z0-9]+(?:-[a-z0-9]+)*"


class UnknownWordsError(ValueError):
    """A prompt used words outside the vocabulary."""


def word_forms(word: str) -> tuple[str, ...]:
    """The forms a typed word may take in the vocabulary: itself, then its singular, then its plural.

    A stem keeps at least three letters (or is a numeral: "7s" is "7"), so "as" never reads as "a"."""
    singulars = [word[: -len(end)] + add for end, add in (("ies", "y"), ("es", ""), ("s", "")) if word.endswith(end)]
    singulars = [s for s in singulars if len(s) >= 3 or s.isdigit()]
    return (word, *singulars, word + "s", word + "es")


class Tokenizer:
    """Lower-cases a prompt, splits it into words (hyphens stay inside words), maps them to ids; 0 pads."""

    def __init__(self, words: list[str] | tuple[str, ...], max_words: int):
        self.words, self.max_words = (PAD, *words), max_words
        self.ids = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    @staticmethod
    def split(prompt: str) -> list[str]:
        """The typed words, lower-cased; of alternatives joined by a slash ("t-shirt/top") only the first."""
        return re.findall(WORD, re.sub(rf"({WORD})(?:/{WORD})+", r"\1", prompt.lower()))

    def known_form(self, word: str) -> str | None:
        """The vocabulary's form of a typed word ("sneakers" -> "sneaker"), or None when it has none."""
        return next((form for form in word_forms(word) if form in self.ids), None)

    def check(self, prompt: str) -> list[str]:
        """The prompt's words in the vocabulary's forms; a clear ValueError if it is empty, too long or uses
        unknown words."""
        typed = self.split(prompt)
        if not typed:
            raise ValueError("the prompt is empty: type a few words, e.g. " + "'a photo of a " + self.words[1] + "'")
        words = [self.known_form(w) for w in typed]
        unknown = [w for w, known in dict(zip(typed, words)).items() if known is None]
        if unknown:
            raise UnknownWordsError(f"unknown word{'s' * (len(unknown) > 1)} {', '.join(map(repr, unknown))}: "
                                    f"these models only know the words of their captions: {' '.join(self.words[1:])}")
        if len(words) > self.max_words:
            raise ValueError(f"the prompt has {len(words)} words; at most {self.max_words} fit")
        return words

    def read(self, prompt: str) -> str:
        """The prompt as the model reads it: "A dark Trouser" -> "a dark trousers"."""
        return " ".join(self.check(prompt))

    def encode(self, prompts: list[str]) -> torch.Tensor:
        """(len(prompts), max_words) int64 ids, padded with 0."""
        out = torch.zeros(len(prompts), self.max_words, dtype=torch.long)
        for row, prompt in enumerate(prompts):
            ids = [self.ids[w] for w in self.check(prompt)]
            out[row, : len(ids)] = torch.tensor(ids)
        return out

    def decode(self, tokens: torch.Tensor) -> list[str]:
        return [" ".join(self.words[i] for i in row if i) for row in tokens.tolist()]
