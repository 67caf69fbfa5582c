"""Links to a view: the query parameters a link carries, checked without a browser (tests/test_classroom.py opens
them in one)."""
from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from ui.deeplink import DEFAULT_TAB, SETTINGS, Link, parse, query_for


def test_a_link_carries_the_tab_the_dataset_and_the_settings():
    link = parse({"tab": "gan", "dataset": "mnist", "seed": "7", "n": "4", "scale": "0.8", "projector": "1"})
    assert (link.tab, link.dataset, link.projector, link.ignored) == ("gan", "mnist", True, [])
    assert link.values == {"seed": 7, "n": 4, "scale": 0.8}
    assert link.stage(3) == {"gan-seed": 7, "gan-n": 4, "gan-scale": 0.8}


def test_no_query_opens_the_defaults():
    assert parse({}) == Link()
    assert parse({"__theme": "dark", "view": "api"}) == Link()  # Gradio's own parameters are left to Gradio


@pytest.mark.parametrize(("query", "named"), [
    ({"tab": "gan", "seed": "abc"}, "seed='abc'"),
    ({"tab": "gan", "seed": "-1"}, "seed='-1'"),
    ({"tab": "gan", "n": "2.5"}, "n='2.5'"),
    ({"tab": "gan", "n": "1000"}, "n='1000'"),
    ({"tab": "gan", "scale": "nan"}, "scale='nan'"),
    ({"tab": "cgan", "class": "Giraffe"}, "class='Giraffe'"),
    ({"tab": "cgan", "dataset": "mnist", "class": "Sneaker"}, "class='Sneaker'"),  # a class of the other dataset
    ({"tab": "next", "n": "16", "steps": "100"}, "steps='100'"),  # images x steps over the cap
    ({"tab": "train", "preset": "bogus"}, "preset='bogus'"),
    ({"tab": "train", "data": "fashion"}, "data='fashion'"),  # an image dataset in 2-D mode
    ({"tab": "train", "batch_size": "1024", "mode": "images"}, "batch_size='1024'"),
    ({"tab": "gan", "prompt": "a dress"}, "prompt='a dress'"),  # a setting of another tab
    ({"tab": "nowhere"}, "tab='nowhere'"),
    ({"dataset": "cifar"}, "dataset='cifar'"),
    ({"projector": "maybe"}, "projector='maybe'"),
])
def test_a_bad_value_is_ignored_and_named(query, named):
    link = parse(query)
    assert len(link.ignored) == 1 and named in link.ignored[0], link.ignored
    assert named.split("=")[0] not in link.values
    assert "Ignored" in link.notice() and named in link.notice()


def test_the_other_values_of_a_bad_link_still_apply():
    link = parse({"tab": "gan", "seed": "oops", "n": "4"})
    assert link.values == {"n": 4} and link.tab == "gan"
    assert parse({"tab": "nowhere", "noise": "0.3"}).tab == DEFAULT_TAB  # the default tab's settings still apply
    assert parse({"tab": "nowhere", "noise": "0.3"}).values == {"noise": 0.3}


def test_the_prompt_is_checked_against_the_dataset_s_words():
    def check(prompt, dataset):
        if "giraffe" in prompt:
            raise ValueError("unknown word 'giraffe'")
    assert parse({"tab": "next", "prompt": "a dark dress"}, check).values == {"prompt": "a dark dress"}
    assert "unknown word" in parse({"tab": "next", "prompt": "a giraffe"}, check).ignored[0]


def test_the_live_run_s_mode_decides_its_datasets_and_stages_order_the_controls():
    link = parse({"tab": "train", "mode": "images", "data": "mnist", "model": "dcgan", "preset": "mode-collapse",
                  "lr_d": "0.0002", "steps": "300", "seed": "3"})
    assert link.ignored == []
    assert link.stage(1) == {"live-mode": "images"}
    assert link.stage(2) == {"live-model": "dcgan", "live-preset": "mode-collapse", "live-dataset": "mnist"}
    assert link.stage(3) == {"live-lr_d": 0.0002, "live-steps": 300, "live-seed": 3}


@pytest.mark.parametrize("tab", list(SETTINGS))
def test_a_copied_link_reads_back_as_the_same_view(tab):
    values = {}
    for s in SETTINGS[tab]:  # a value inside each range, a choice of 2-D mode
        if s.kind == "choice":
            values[s.elem_id] = s.choices({"dataset": "fashion", "mode": "2d"})[0]
        elif s.kind == "text":
            values[s.elem_id] = "a photo of a dark sneaker"
        else:
            values[s.elem_id] = max(s.low, min(s.high, 3 if s.kind == "int" else 0.35))
    query = query_for(tab, "fashion", True, values)
    link = parse(dict(parse_qsl(query[1:])))
    assert link.ignored == [] and (link.tab, link.projector) == (tab, True)
    assert {s.elem_id: link.values[s.key] for s in SETTINGS[tab]} == values
