"""The "What came next" tab's layout and wiring: text to image, the guidance sweep, CLIP, variations, GANs vs
diffusion. The handlers are in ``handlers.py``, the checks in ``inputs.py``, the words in ``texts.py``.
"""
from __future__ import annotations

import gradio as gr

from gan_demo.data.captions import vocabulary
from gan_demo.families.clip import scoring
from gan_demo.families.text.generate import GUIDANCE, STEPS
from ui.components import (
    animation,
    class_names,
    clear_on_switch,
    described,
    example_paths,
    explanation,
    image_picker,
    initial,
    picture,
    seed_input,
    slider,
)
from ui.concurrency import DIFFUSION, slow
from ui.diagrams import pipeline_diagram, speed_quality_chart
from ui.lessons import lesson
from ui.widgets.scrubber import scrubber

from .alts import decoders_alt, denoising_alt, sweep_alt, versus_alt
from .handlers import (
    RETRIEVAL_POOL,
    clip_retrieve,
    clip_scores,
    compare_decoders,
    gan_vs_diffusion,
    guidance_sweep,
    image_variations,
    on_dataset,
    rescore,
    text_to_image,
)
from .inputs import DECODER_STEPS, MAX_IMAGES, MAX_RETRIEVE, SWEEP_SCALES, pipeline
from .outputs import Outputs
from .texts import (
    EXPLAIN,
    SPEED,
    comparison_table,
    evaluation_results,
    known_words,
    self_checks,
    speed_table,
    tuned_scales,
)

CONCURRENCY = DIFFUSION  # the sampling events share one queue slot; the other events keep being served


def build(dataset: gr.Radio, tab: gr.Tab) -> None:
    """Lay out the tab (``tab``, whose first opening fills the opening example's scrubbers) and wire its events."""
    start = dataset.value
    explanation(EXPLAIN.replace("{tuned}", tuned_scales()).replace("{redraws}", self_checks()))
    lesson("next", dataset)
    gr.Image(pipeline_diagram(), label="DALL-E 2's pipeline, as built here", show_label=True, interactive=False,
             alt_text="Diagram: prompt, CLIP text encoder, prior, image embedding, diffusion decoder, 28x28 image",
             format="png", elem_id="dalle-diagram", height=260)
    words = gr.Markdown(known_words(start), elem_id="dalle-words")
    vocab = vocabulary(start)

    gr.Markdown("### Text to image")
    with gr.Row():
        prompt = gr.Textbox(f"a photo of a dark {vocab.nouns[7][0]}", label="Prompt", elem_id="dalle-prompt", scale=3)
        n = slider(1, MAX_IMAGES, value=8, step=1, label="Number of images", elem_id="dalle-n")
        seed = seed_input(elem_id="dalle-seed")
    with gr.Row():
        steps = slider(STEPS[0], STEPS[1], value=25, step=1, label="Sampling steps", elem_id="dalle-steps",
                       info="DDIM steps; each is one (two with guidance) UNet evaluation")
        guidance = slider(GUIDANCE[0], GUIDANCE[1], value=pipeline(start).guidance, step=0.5, label="Guidance scale w",
                          elem_id="dalle-guidance",
                          info="0: ignore the prompt · 1: plain conditional · higher: follow it harder")
    run = gr.Button("Generate", variant="primary", elem_id="dalle-run")
    shown = initial(text_to_image, prompt.value, n.value, seed.value, steps.value, guidance.value, start) or {}
    status = gr.Markdown(shown.get("status"), elem_id="dalle-status")
    opening = denoising_alt(prompt.value, n.value, seed.value, steps.value, guidance.value, start)
    live = picture("Denoising as it happens: x_t and the predicted x_0", "dalle-live", titled=True,
                   value=shown.get("live"), alt_text=opening)
    gallery = gr.Gallery(shown.get("gallery"), label="Images, with the classifier's verdict", columns=8, height="auto",
                         format="png", allow_preview=False, elem_id="dalle-gallery")
    with gr.Row():
        story = picture("The first image's denoising, every few steps", "dalle-story", titled=True,
                        value=shown.get("story"), alt_text=opening)
        gif = animation("dalle-gif", value=shown.get("gif"))
    opening = {"frames": shown.get("frames")}  # sent when the tab is first opened (see opening_frames below)
    frames = scrubber("dalle-scrub", "Sampling step", width="672px",
                      note="Every step of every image: x_t above, the predicted x_0 below. Arrow keys step through.")
    made = Outputs(gallery=gallery, live=live, story=story, gif=gif, status=status, frames=frames)  # API order

    gr.Markdown("### Guidance: the same prompt and noise at several scales")
    with gr.Row():
        sweep_prompt = gr.Textbox(f"a photo of a dark {vocab.nouns[7][0]}", label="Prompt", scale=3)
        sweep_scales = gr.CheckboxGroup(list(SWEEP_SCALES), value=["0", "1", "3", "8"], label="Guidance scales w")
        sweep_n = slider(1, 8, value=6, step=1, label="Images per scale")
    sweep_btn = gr.Button("Sweep the guidance scale", variant="primary", elem_id="dalle-sweep")
    shown = initial(guidance_sweep, sweep_prompt.value, sweep_n.value, seed.value, steps.value, sweep_scales.value,
                    start) or {}
    sweep_image = picture("Rows: guidance scale; columns: the same noise", "dalle-sweep-image", titled=True,
                          value=shown.get("image"), alt_text=sweep_alt(sweep_prompt.value, sweep_n.value, seed.value,
                                                                       steps.value, sweep_scales.value, start))
    sweep_table = gr.Markdown(shown.get("table"), elem_id="dalle-sweep-table")
    opening["sweep_frames"] = shown.get("frames")
    sweep_frames = scrubber("dalle-sweep-scrub", "Guidance scale", width="672px")
    swept = Outputs(image=sweep_image, table=sweep_table, frames=sweep_frames)

    gr.Markdown("### CLIP: an image against prompts, and prompts against images")
    with gr.Row():
        with gr.Column():
            first = str(example_paths(start)[0])
            picker = image_picker(start, "dalle", label="Image (upload any picture)", image_id="dalle-image",
                                  gallery_id="dalle-examples", examples_tab="Examples")
            image, examples = picker.image, picker.examples
        with gr.Column():
            prompts = gr.Textbox("\n".join(scoring.class_prompts(start)), lines=6, label="Prompts, one per line",
                                 elem_id="dalle-prompts")
            score_btn = gr.Button("Score the image against the prompts", variant="primary", elem_id="dalle-score")
            scores = gr.Label(initial(clip_scores, first, prompts.value, start), num_top_classes=10,
                              label="CLIP's probabilities (zero-shot classification)", elem_id="dalle-scores")
    with gr.Row():
        query = gr.Textbox(f"a photo of a small {vocab.nouns[0][0]}", label="Find test images for a prompt", scale=3,
                           elem_id="dalle-query")
        k = slider(1, MAX_RETRIEVE, value=16, step=1, label="Images",
                   info=f"the nearest of {RETRIEVAL_POOL:,} test images")
    retrieve_btn = gr.Button("Retrieve", variant="primary", elem_id="dalle-retrieve")
    # the retrieval example comes with the tab's first opening too: its 16 captioned pictures are 6 kB of the page's
    # config, far below the fold (the room the tabs' guided lessons take)
    opening["found"] = initial(clip_retrieve, query.value, k.value, start)
    found = gr.Gallery(None, label="Nearest test images by CLIP similarity", columns=8, height="auto", format="png",
                       allow_preview=False, elem_id="dalle-found")

    gr.Markdown("### Image variations (a DALL-E 2 feature): the image above -> its CLIP embedding -> new images")
    var_btn = gr.Button("Make variations of the image", variant="primary", elem_id="dalle-variations")
    shown = initial(image_variations, first, n.value, seed.value, steps.value, guidance.value, start) or (None, None)
    varied = gr.Gallery(shown[0],
                        label="Variations, with the classifier's verdict", columns=8, height="auto", format="png",
                        allow_preview=False, elem_id="dalle-varied")
    opening["varied_frames"] = shown[1]
    varied_frames = scrubber("dalle-variations-scrub", "Sampling step", width="672px",
                             note="The variations' denoising: x_t above, the predicted x_0 below.")

    gr.Markdown("### GANs vs diffusion, on the same class")
    classes = class_names(start)
    with gr.Row():
        wanted = gr.Dropdown(classes, value=classes[7], label="Class", allow_custom_value=True)
        versus_n = slider(1, 8, value=8, step=1, label="Images each")
        versus_seed = seed_input()
    versus_btn = gr.Button("Compare", variant="primary", elem_id="dalle-versus")
    shown = initial(gan_vs_diffusion, wanted.value, versus_n.value, versus_seed.value, start) or {}
    versus_image = picture("Top: conditional GAN; bottom: diffusion", "dalle-versus-image", titled=True,
                           value=shown.get("image"), alt_text=versus_alt(wanted.value, versus_n.value,
                                                                         versus_seed.value, start))
    versus_table = gr.Markdown(comparison_table(start), elem_id="dalle-versus-table")
    versus = Outputs(image=versus_image, table=versus_table)

    explanation(SPEED)
    results = evaluation_results()
    chart = speed_quality_chart(results)
    if chart is not None:
        gr.Image(chart, label="Speed against quality (make evaluate)", interactive=False, format="png", show_label=False,
                 alt_text="Line charts, one column per dataset: the share of samples judged the prompted class and "
                 "the Frechet distance against network evaluations per image, for each decoder and sampler, with the "
                 "conditional GAN's single evaluation as a star; the table below gives every figure.",
                 elem_id="dalle-speed-chart")
    gr.Markdown(speed_table(results), elem_id="dalle-speed-table")
    gr.Markdown("#### Try it: one prompt through every decoder, at the steps you choose")
    with gr.Row():
        decoders_prompt = gr.Textbox(prompt.value, label="Prompt", elem_id="dalle-decoders-prompt", scale=3)
        decoders_n = slider(1, 8, value=8, step=1, label="Images each")
        decoders_steps = slider(*DECODER_STEPS, value=4, step=1, label="Sampling steps", elem_id="dalle-decoders-steps",
                                info="1 step is a GAN's budget (two evaluations with guidance; Heun's two more)")
        decoders_seed = seed_input()
    decoders_btn = gr.Button("Decode", variant="primary", elem_id="dalle-decoders")
    decoders_image = picture("Each decoder and sampler, a row each", "dalle-decoders-image", titled=True)
    decoders = Outputs(image=decoders_image, table=gr.Markdown(elem_id="dalle-decoders-table"))

    sampling = dict(concurrency_id=CONCURRENCY, concurrency_limit=1)
    asked = [prompt, n, seed, steps, guidance, dataset]
    described(run.click(slow(made.filling(text_to_image)), asked, made.components(), api_name="text_to_image",
                        **sampling), asked, denoising_alt, live, story, gif)
    sweep_inputs = [sweep_prompt, sweep_n, seed, steps, sweep_scales, dataset]
    described(sweep_btn.click(slow(swept.filling(guidance_sweep)), sweep_inputs, swept.components(),
                              api_name="guidance_sweep", **sampling), sweep_inputs, sweep_alt, sweep_image)
    decoders_inputs = [decoders_prompt, decoders_n, decoders_seed, decoders_steps, dataset]
    described(decoders_btn.click(slow(decoders.filling(compare_decoders)), decoders_inputs, decoders.components(),
                                 api_name="compare_decoders", **sampling), decoders_inputs, decoders_alt, decoders_image)
    score_btn.click(clip_scores, [image, prompts, dataset], scores, api_name="clip_scores")
    retrieve_btn.click(clip_retrieve, [query, k, dataset], found, api_name="clip_retrieve")
    var_btn.click(slow(image_variations), [image, n, seed, steps, guidance, dataset], [varied, varied_frames],
                  api_name="variations",
                  **sampling)
    versus_inputs = [wanted, versus_n, versus_seed, dataset]
    described(versus_btn.click(slow(versus.filling(gan_vs_diffusion)), versus_inputs, versus.components(),
                               api_name="gan_vs_diffusion", **sampling), versus_inputs, versus_alt, versus_image)
    # a new image (picked, drawn, uploaded, or the other dataset's first example): its CLIP scores at once, and
    # the variations of the previous image cleared
    rescored = Outputs(scores=scores, varied=varied, varied_frames=varied_frames)
    new_image = dict(fn=rescored.filling(rescore), inputs=[image, prompts, dataset], outputs=rescored.components(),
                     api_visibility="private")
    for picked in picker.picked(dataset):
        picked.success(**new_image)
    image.upload(**new_image)
    switched = Outputs(words=words, prompt=prompt, sweep_prompt=sweep_prompt, decoders_prompt=decoders_prompt,
                       prompts=prompts, wanted=wanted,
                       examples=examples, image=image, versus_table=versus_table, guidance=guidance, status=status)
    dataset.change(switched.filling(on_dataset), dataset, switched.components(),
                   api_visibility="private").success(**new_image)
    clear_on_switch(dataset, gallery, live, story, gif, frames, sweep_image, sweep_table, sweep_frames, found,
                    versus_image, *decoders.components())
    opening_frames(tab, dataset, Outputs(frames=frames, sweep_frames=sweep_frames, varied_frames=varied_frames,
                                         found=found), opening)


def opening_frames(tab: gr.Tab, dataset: gr.Radio, scrubbers: Outputs, opening: dict) -> None:
    """The opening examples' frames (denoising 0.32 MB, guidance sweep 0.02 MB, variations 0.35 MB) and retrieved
    images (6 kB of config: 16 pictures' addresses and captions), sent when the tab is first opened rather than with
    the page, which every visitor downloads whether or not they come to this tab. On that first opening, not after a
    run: the tab shows the examples' galleries and pictures, and a learner expects the sliders under them to scrub
    those. Not after the dataset has changed: the switch emptied the examples' results."""
    pending = gr.State(True)  # this session has not opened the tab yet, and the examples are still shown

    def fill(waiting: bool, data: str) -> dict:
        if not waiting or data != dataset.value:
            return {pending: False}
        return {**scrubbers.fill(opening), pending: False}

    tab.select(fill, [pending, dataset], [*scrubbers.components(), pending], api_visibility="private",
               show_progress="hidden")
    dataset.change(lambda: False, None, pending, api_visibility="private")
