"""Prompts as a student types them: every class name exactly as the app prints it, plurals, numerals and words."""
from __future__ import annotations

import pytest
import torch

from gan_demo.data import DATASETS
from gan_demo.families.clip import Tokenizer, UnknownWordsError
from gan_demo.families.clip.tokenizer import word_forms
from gan_demo.hub import cached_pretrained

CLIPS = {dataset: cached_pretrained(f"clip-{dataset}") for dataset in DATASETS}


@pytest.mark.parametrize("dataset, name", [(d, name) for d, info in DATASETS.items() for name in info.classes])
def test_every_class_name_as_the_app_prints_it_is_read(dataset, name):
    tokenizer = CLIPS[dataset].tokenizer
    for prompt in (name, f"a photo of a {name}", f"a dark {name}", f"{name}s"):
        words = tokenizer.check(prompt)
        assert set(words) <= set(tokenizer.ids), prompt


@pytest.mark.parametrize("typed, read", [
    ("a dark Trouser", "a dark trousers"), ("trouser", "trousers"), ("Trousers", "trousers"),
    ("T-shirt/top", "t-shirt"), ("a photo of a T-shirt/top", "a photo of a t-shirt"), ("t-shirts", "t-shirt"),
    ("Ankle boot", "ankle boot"), ("ankle boots", "ankle boot"), ("sneakers", "sneaker"), ("bags", "bag"),
    ("two dresses", None), ("dresses", "dress"), ("sandals", "sandal"), ("a light Sneaker", "a light sneaker"),
])
def test_fashion_words_in_the_forms_a_person_types(typed, read):
    tokenizer = CLIPS["fashion"].tokenizer
    if read is None:
        with pytest.raises(UnknownWordsError, match="unknown word 'two'"):
            tokenizer.read(typed)
    else:
        assert tokenizer.read(typed) == read


@pytest.mark.parametrize("typed, read", [("7", "7"), ("seven", "seven"), ("a handwritten Seven", "a handwritten seven"),
                                         ("the digit 3", "the digit 3"), ("7s", "7"), ("sevens", "seven"),
                                         ("an odd number", "an odd number")])
def test_digits_as_numerals_and_as_words(typed, read):
    assert CLIPS["mnist"].tokenizer.read(typed) == read


def test_a_typed_form_encodes_as_the_caption_word_it_stands_for():
    tokenizer = CLIPS["fashion"].tokenizer
    assert torch.equal(tokenizer.encode(["A dark Trouser", "Sneakers", "T-shirt/top"]),
                       tokenizer.encode(["a dark trousers", "sneaker", "t-shirt"]))


def test_unknown_words_are_still_named_with_the_known_ones():
    tokenizer = CLIPS["fashion"].tokenizer
    with pytest.raises(UnknownWordsError, match=r"unknown words 'blue', 'hat'.*trousers.*ankle boot"):
        tokenizer.check("a blue hat")
    # a short word is never read as a longer one's plural: "as" is not "a"
    with pytest.raises(UnknownWordsError, match="'as'"):
        tokenizer.check("as a bag")


def test_word_forms():
    assert word_forms("sneakers") == ("sneakers", "sneaker", "sneakerss", "sneakerses")
    assert word_forms("dresses")[:3] == ("dresses", "dress", "dresse")
    assert "a" not in word_forms("as") and "7" in word_forms("7s")


def test_a_tiny_vocabulary_reads_plural_and_slash_forms():
    tok = Tokenizer(["a", "bag", "trousers", "t-shirt"], max_words=4)
    assert tok.read("Bags/cases") == "bag" and tok.read("a trouser") == "a trousers"
