"""Each tab's guided lesson: a closed accordion whose steps (gr.Walkthrough) are built when it is first opened.

The questions, runs and verdicts are ``gan_demo.lessons``'; this lays them out. The steps are rendered on demand
(``gr.render`` on the accordion's expand) so that the page's first download carries one accordion per tab, not
fifteen steps of components; ``key``s keep a learner's prediction and result when the accordion is opened again.
"""
from __future__ import annotations

import gradio as gr

from gan_demo import lessons
from gan_demo.device import gpu
from ui.common import check_dataset, get_model

TITLE = "Guided lesson: think first, then see"
SEED = 0  # the runs are seeded: every learner sees the same result for the same step


@gpu  # on a ZeroGPU Space the model calls run on the GPU; a no-op elsewhere
def _run_on_models(tab: str, index: int, prediction, dataset: str):
    return _run(tab, index, prediction, check_dataset(dataset))


def _run(tab: str, index: int, prediction, dataset: str):
    """The step's picture and the verdict on ``prediction``; a notice and nothing else without a prediction."""
    step = lessons.LESSONS[tab].steps[index]
    try:
        chosen = lessons.check_prediction(step, prediction)
    except ValueError as err:
        gr.Warning(str(err))
        return gr.skip(), gr.skip()
    outcome = step.run(dataset, SEED, get_model)
    return gr.Image(outcome.picture, alt_text=outcome.alt), lessons.verdict(step, chosen, outcome)


def _move(to: int):
    return lambda: gr.Walkthrough(selected=to)


def _steps(tab: str, dataset: gr.Radio | None) -> None:
    steps = lessons.LESSONS[tab].steps
    shown_all = []
    with gr.Walkthrough(selected=0, elem_id=f"{tab}-lesson-steps", key=f"{tab}-walk") as walk:
        for i, step in enumerate(steps):
            with gr.Step(step.title, id=i, key=f"{tab}-step-{i}"):
                gr.Markdown(f"**{i + 1}/{len(steps)}.** {step.question}", key=f"{tab}-q-{i}")
                guess = gr.Radio([(c, k) for k, c in enumerate(step.choices)], value=None, label="Your prediction",
                                 key=f"{tab}-guess-{i}", elem_id=f"{tab}-lesson-guess-{i}")
                run = gr.Button("Run it and see", variant="primary", key=f"{tab}-run-{i}",
                                elem_id=f"{tab}-lesson-run-{i}")
                shown = gr.Image(None, label="What the run shows", interactive=False, format="png", height=260,
                                 key=f"{tab}-shown-{i}", elem_id=f"{tab}-lesson-picture-{i}")
                said = gr.Markdown(key=f"{tab}-said-{i}", elem_id=f"{tab}-lesson-reveal-{i}")
                shown_all += [shown, said]
                with gr.Row():
                    if i > 0:
                        gr.Button("Back", size="sm", key=f"{tab}-back-{i}").click(
                            _move(i - 1), None, walk, api_visibility="private")
                    if i < len(steps) - 1:
                        gr.Button("Next", size="sm", key=f"{tab}-next-{i}").click(
                            _move(i + 1), None, walk, api_visibility="private")
                if dataset is None:  # the live tab's lesson trains on 2-D data: no model, no dataset
                    run.click(lambda p, i=i: _run(tab, i, p, "ring"), guess, [shown, said], api_visibility="private")
                else:
                    run.click(lambda p, d, i=i: _run_on_models(tab, i, p, d), [guess, dataset], [shown, said],
                              api_visibility="private")
    if dataset is not None:  # results of the other dataset's models go; registered with the steps, not the page
        dataset.change(lambda: [None, ""] * len(steps), None, shown_all, api_visibility="private")


def lesson(tab: str, dataset: gr.Radio | None = None) -> gr.Accordion:
    """The closed accordion of ``tab``'s lesson, placed where it is called; its steps appear when it is opened."""
    with gr.Accordion(TITLE, open=False, elem_id=f"{tab}-lesson") as accordion:
        @gr.render(triggers=[accordion.expand])
        def _when_opened():
            _steps(tab, dataset)
    return accordion
