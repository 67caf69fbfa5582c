"""Words to ids and back, over a closed vocabulary: the captions' words, nothing else.

The models only know the words their captions used, so a prompt with any other word is refused with a message
that names the unknown words and lists the known ones (a learner sees at once what the model can read).
"""
from __future__ import annotations

import re

import torch

PAD = "<pad>"


class UnknownWordsError(ValueError):
    """A prompt used words outside the vocabulary."""


class Tokenizer:
    """Lower-cases a prompt, splits it into words (hyphens stay inside words), maps them to ids; 0 pads."""

    def __init__(self, words: list[str] | tuple[str, ...], max_words: int):
        self.words, self.max_words = (PAD, *words), max_words
        self.ids = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    @staticmethod
    def split(prompt: str) -> list[str]:
        return re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", prompt.lower())

    def check(self, prompt: str) -> list[str]:
        """The prompt's words; a clear ValueError if it is empty, too long or uses unknown words."""
        words = self.split(prompt)
        if not words:
            raise ValueError("the prompt is empty: type a few words, e.g. " + "'a photo of a " + self.words[1] + "'")
        unknown = [w for w in dict.fromkeys(words) if w not in self.ids]
        if unknown:
            raise UnknownWordsError(f"unknown word{'s' * (len(unknown) > 1)} {', '.join(map(repr, unknown))}: "
                                    f"these models only know the words of their captions: {' '.join(self.words[1:])}")
        if len(words) > self.max_words:
            raise ValueError(f"the prompt has {len(words)} words; at most {self.max_words} fit")
        return words

    def encode(self, prompts: list[str]) -> torch.Tensor:
        """(len(prompts), max_words) int64 ids, padded with 0."""
        out = torch.zeros(len(prompts), self.max_words, dtype=torch.long)
        for row, prompt in enumerate(prompts):
            ids = [self.ids[w] for w in self.check(prompt)]
            out[row, : len(ids)] = torch.tensor(ids)
        return out

    def decode(self, tokens: torch.Tensor) -> list[str]:
        return [" ".join(self.words[i] for i in row if i) for row in tokens.tolist()]
