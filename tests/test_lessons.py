"""The guided lessons: every step's run returns its facts, and the answer each step calls right is the one its own
run's measurements point to (the GAN's D(x) heads for 1/2, a random code decodes into no recognisable image, ...)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from gan_demo import cached_pretrained, lessons
from ui import lessons as ui_lessons


def load(name: str):
    return cached_pretrained(name, "cpu")


# Fashion-MNIST in the fast tier (about 10 s for the twelve); MNIST's and the live tab's short training runs (2 to
# 6 s each on an idle core, twice that beside other work) in the slow one
MODEL_STEPS = [pytest.param(tab, i, dataset, id=f"{tab}-{i}-{dataset}",
                            marks=[pytest.mark.slow] if dataset == "mnist" else [])
               for tab, lesson in lessons.LESSONS.items() if tab != "train"
               for i in range(len(lesson.steps)) for dataset in ("fashion", "mnist")]


def check_outcome(step: lessons.Step, outcome: lessons.Outcome) -> None:
    assert outcome.facts and all(math.isfinite(v) for v in outcome.facts.values()), outcome.facts
    assert outcome.observed == step.answer, (step.title, outcome.facts, outcome.explanation)
    assert outcome.picture.dtype == np.uint8 and outcome.picture.ndim == 3 and outcome.picture.shape[2] == 3
    assert outcome.alt and outcome.explanation
    verdict = lessons.verdict(step, step.answer, outcome)
    assert verdict.startswith("**Right.**") and step.math in verdict


@pytest.mark.parametrize(("tab", "index", "dataset"), MODEL_STEPS)
def test_each_model_step_s_run_agrees_with_its_answer(tab, index, dataset, one_torch_thread):
    step = lessons.LESSONS[tab].steps[index]
    check_outcome(step, step.run(dataset, 0, load))


@pytest.mark.slow
@pytest.mark.parametrize("index", range(1, len(lessons.LESSONS["train"].steps)))  # 0: the test below
def test_each_live_step_s_short_run_agrees_with_its_answer(index, one_torch_thread):
    step = lessons.LESSONS["train"].steps[index]
    check_outcome(step, step.run("ring", 0, load))


@pytest.mark.slow
def test_the_balanced_run_s_discriminator_heads_for_one_half(one_torch_thread):
    step = lessons.LESSONS["train"].steps[0]
    outcome = step.run("ring", 0, load)
    check_outcome(step, outcome)
    facts = outcome.facts
    assert abs(facts["d_real"] - 0.5) < 0.2 and abs(facts["d_fake"] - 0.5) < 0.2, facts
    assert facts["d_real"] - facts["d_fake"] < facts["gap_start"]  # closing in


def test_the_reveal_is_read_from_the_run(one_torch_thread):
    outcome = lessons.ae_random_code("fashion", 0, load)
    assert f"{outcome.facts['confident']:.0%}" in outcome.explanation  # the figure the run measured, not a constant
    step = lessons.LESSONS["ae"].steps[0]
    wrong = lessons.verdict(step, 0, outcome)
    assert wrong.startswith("**Not this time.**") and step.choices[outcome.observed] in wrong


def test_every_step_asks_a_question_with_two_to_four_answers():
    for lesson in lessons.LESSONS.values():
        assert 3 <= len(lesson.steps) <= 4
        for step in lesson.steps:
            assert step.question.endswith("?") or "?" in step.question
            assert 2 <= len(step.choices) <= 4 and 0 <= step.answer < len(step.choices)


@pytest.mark.parametrize("prediction", [None, -1, 3, True, "Yes", 1.5])
def test_no_prediction_is_a_message_that_says_what_to_do(prediction):
    step = lessons.LESSONS["gan"].steps[0]
    with pytest.raises(ValueError, match="Pick your prediction first"):
        lessons.check_prediction(step, prediction)
    assert lessons.check_prediction(step, 2) == 2


def test_the_tab_warns_and_runs_nothing_without_a_prediction(monkeypatch):
    said = []
    monkeypatch.setattr(ui_lessons.gr, "Warning", said.append)
    shown, verdict = ui_lessons._run("gan", 0, None, "fashion")
    assert said == [lessons.PICK_FIRST]
    assert shown == verdict == ui_lessons.gr.skip()
