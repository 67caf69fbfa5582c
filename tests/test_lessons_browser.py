"""Headless Chromium takes the GAN tab's guided lesson: it opens empty in a closed accordion, opening it shows the
steps, Run without a prediction says to pick one, a picked answer and Run reveal the verdict with the run's own
figures (and no serious accessibility violation of the app's own), and Next, Back and the step list (whose steps
already passed are buttons) move between the steps, by mouse or keyboard; a switch of dataset clears the
results.

Screenshots go to artifacts/screenshots/.
"""
from __future__ import annotations

import tarfile

import pytest
from conftest import ARTIFACTS
from test_classroom import AXE, WCAG, _upstream

from gan_demo import lessons
from ui.common import get_model

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

TIMEOUT = 60_000  # ms


def test_the_gan_lesson_reveals_the_run_s_answer(page):
    page.get_by_role("tab", name="GAN", exact=True).click()
    assert page.locator("#gan-lesson-guess-0").count() == 0  # nothing of the lesson before it is opened
    page.locator("#gan-lesson .label-wrap").first.click()
    guess = page.locator("#gan-lesson-guess-0")
    guess.wait_for(timeout=TIMEOUT)
    step = lessons.LESSONS["gan"].steps[0]
    assert step.question in page.locator("#gan-lesson").inner_text()

    page.locator("#gan-lesson-run-0").click()  # no prediction yet: a notice, no verdict
    page.get_by_text("Pick your prediction first").first.wait_for(timeout=TIMEOUT)
    assert page.locator("#gan-lesson-reveal-0").inner_text().strip() == ""

    guess.get_by_label(step.choices[step.answer]).check()
    page.locator("#gan-lesson-run-0").click()
    reveal = page.locator("#gan-lesson-reveal-0")
    page.wait_for_function("() => document.querySelector('#gan-lesson-reveal-0').innerText.includes('Right.')",
                           timeout=TIMEOUT)
    facts = lessons.gan_copy("fashion", 0, get_model).facts
    assert f"{facts['distance']:.3f}" in reveal.inner_text()  # the figure of the run, as the package measures it
    page.locator("#gan-lesson-picture-0 img").wait_for(timeout=TIMEOUT)
    page.screenshot(path=str(ARTIFACTS / "screenshots" / "lesson_gan_step1.png"))
    assert not own_accessibility_violations(page, "#gan-lesson")

    page.locator("#gan-lesson").get_by_role("button", name="Next").first.focus()  # the keyboard moves on
    page.keyboard.press("Enter")
    page.get_by_text(lessons.LESSONS["gan"].steps[1].question).wait_for(timeout=TIMEOUT)
    page.locator("#gan-lesson").get_by_role("button", name="Back").first.click()
    page.locator("#gan-lesson-reveal-0").get_by_text("Right.").wait_for(timeout=TIMEOUT)  # kept on the way back
    steps = page.locator("#gan-lesson-steps [role='tab']")
    assert steps.count() == len(lessons.LESSONS["gan"].steps)
    page.locator("#gan-lesson").get_by_role("button", name="Next").first.click()
    page.get_by_text(lessons.LESSONS["gan"].steps[1].question).wait_for(timeout=TIMEOUT)
    steps.nth(0).focus()  # a step already passed is a button in the step list: the keyboard goes back to it
    page.keyboard.press("Enter")
    page.locator("#gan-lesson-reveal-0").get_by_text("Right.").wait_for(timeout=TIMEOUT)
    page.get_by_role("radio", name="MNIST digits").check()  # the other dataset's models: the result goes
    page.wait_for_function("() => !document.querySelector('#gan-lesson-reveal-0').innerText.trim()", timeout=TIMEOUT)


def own_accessibility_violations(page, selector: str) -> list:
    """axe-core's serious and critical WCAG 2.1 A/AA violations under ``selector`` that are not inside Gradio's own
    components (test_classroom's list); none checked without axe-core, which `make setup-test` fetches."""
    if not AXE.exists():
        return []
    with tarfile.open(AXE) as package:
        page.add_script_tag(content=package.extractfile("package/axe.min.js").read().decode())
    result = page.evaluate("([s, tags]) => axe.run(document.querySelector(s), {runOnly: {type: 'tag', values: tags},"
                           " resultTypes: ['violations']})", [selector, WCAG])
    return [(v["id"], n["target"]) for v in result["violations"] if v["impact"] in ("serious", "critical")
            for n in v["nodes"] if not _upstream(v["id"], n)]
