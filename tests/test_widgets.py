"""The client-side widgets' Python half: what the frames are packed into, and the gr.HTML each builds."""
from __future__ import annotations

import base64
import io
import json

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from gan_demo import explore
from ui.common import get_model
from ui.widgets.explorer import OnDemand, pack_explorer
from ui.widgets.scrubber import pack_frames, scrubber, unpack_frames, walk_frames


def frames(n: int, side: int = 28) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (side, side), dtype=np.uint8) for _ in range(n)]


def test_frames_round_trip_with_their_alt_texts_and_labels():
    images = frames(4)
    value = pack_frames(images, [f"alt {i}" for i in range(4)], [f"step {i}" for i in range(4)], start=1)
    data = json.loads(value)
    assert [f["alt"] for f in data["frames"]] == ["alt 0", "alt 1", "alt 2", "alt 3"]
    assert [f["label"] for f in data["frames"]] == ["step 0", "step 1", "step 2", "step 3"] and data["start"] == 1
    assert all(f["src"].startswith("data:image/png;base64,") for f in data["frames"])
    np.testing.assert_array_equal(np.stack(unpack_frames(value)), np.stack(images))  # lossless


def test_a_value_over_the_budget_keeps_every_kth_frame_and_both_ends():
    images = frames(30, side=64)  # noise compresses badly: ~5.5 kB a frame in base64
    value = pack_frames(images, ["a"] * 30, [str(i) for i in range(30)], max_bytes=60_000)
    labels = [f["label"] for f in json.loads(value)["frames"]]
    assert len(value) <= 60_000 + 2_000 and labels[0] == "0" and labels[-1] == "29" and len(labels) < 30
    steps = {int(b) - int(a) for a, b in zip(labels, labels[1:-1])}
    assert len(steps) == 1  # evenly thinned (the last gap may be shorter)


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="3 images, 2 alt texts"):
        pack_frames(frames(3), ["a", "b"], ["1", "2", "3"])


def test_walk_frames_say_where_each_frame_is():
    data = json.loads(walk_frames(frames(3), "the slerp from seed 0 to seed 1"))
    assert [f["label"] for f in data["frames"]] == ["t = 0.00", "t = 0.50", "t = 1.00"] and data["start"] == 0
    assert data["frames"][1]["alt"] == "Frame 2 of 3: the image at t = 0.50 on the slerp from seed 0 to seed 1"


def test_the_scrubber_is_a_labelled_range_input_with_its_own_id():
    widget = scrubber("demo-scrub", "Step ${x} `{{y}}`", note="a <note>")
    assert 'id="demo-scrub-range"' in widget.html_template and 'for="demo-scrub-range"' in widget.html_template
    assert 'type="range"' in widget.html_template and widget.elem_id == "demo-scrub"
    # the label cannot reach gr.HTML's template syntax (a JS template string and Handlebars) nor the HTML
    assert "${x}" not in widget.html_template and "{{y}}" not in widget.html_template and "<note>" not in widget.html_template
    assert widget.props["widget_id"] == "demo-scrub"


def test_the_explorer_value_holds_each_grid_points_decode_and_neighbours():
    size = 3
    picture = explore.MapPicture(np.zeros((50, 100, 3), np.uint8), (10, 5, 60, 45), (-1, 1), (-2, 2))
    cells = np.arange(size * size * 28 * 28, dtype=np.uint32).reshape(size, size, 28, 28).astype(np.uint8)
    neighbours = np.array([[[5, 7], [7, 9], [9, 5]]] * size)  # three distinct test images in all
    images, labels = np.stack(frames(10)), np.arange(10) % 2
    data = json.loads(pack_explorer(picture, cells, neighbours, images, labels, ("even", "odd"),
                                    np.linspace(-1, 1, size), np.linspace(2, -2, size), "the autoencoder"))
    assert data["box"] == [0.1, 0.1, 0.6, 0.9] and data["size"] == size and data["thumb_count"] == 3
    sheet = np.asarray(Image.open(io.BytesIO(base64.b64decode(data["cells"].split(",", 1)[1]))))
    np.testing.assert_array_equal(sheet[28:56, 56:84], cells[1, 2])  # row 1, column 2 of the sheet
    thumbs = np.asarray(Image.open(io.BytesIO(base64.b64decode(data["thumbs"].split(",", 1)[1]))))
    t = data["near"][0][1][1]  # grid point (0, 1)'s second neighbour: test image 9
    np.testing.assert_array_equal(thumbs[:, t * 28:(t + 1) * 28], images[9])
    assert data["near_classes"][t] == "odd"


def test_an_explorer_on_demand_is_sent_once_per_dataset_and_refilled_only_while_open():
    made = []

    def make(dataset: str) -> str:
        made.append(dataset)
        return f"the {dataset} explorer"

    with gr.Blocks():
        dataset = gr.Radio(["fashion", "mnist"], value="fashion")
        shown = OnDemand(dataset, "demo-explorer", "The map", "Explore the map", make)
    assert not shown.widget.value and not shown.accordion.open and made == []  # nothing with the page
    assert shown._fill("fashion", None) == ("the fashion explorer", "fashion", True)  # opened: sent
    assert shown._fill("fashion", "fashion") == (gr.skip(), gr.skip(), True)  # opened again: not sent again
    assert shown._refill("mnist", False, None) == (gr.skip(), gr.skip())  # a switch while closed: stays empty
    assert shown._refill("mnist", True, None) == ("the mnist explorer", "mnist")  # while open: the new map
    assert made == ["fashion", "mnist"]


def test_grid_neighbours_are_the_nearest_test_images_on_the_map():
    model = get_model("autoencoder-mnist")
    m = explore.latent_map(model, "mnist")
    near = explore.grid_neighbours(model, "mnist", 5, 3)
    xs, ys = explore.grid_points(m, 5)
    span = np.array([m.xlim[1] - m.xlim[0], m.ylim[1] - m.ylim[0]])
    d = (((m.points - [xs[1], ys[4]]) / span) ** 2).sum(1)
    assert near.shape == (5, 5, 3) and list(near[4, 1]) == list(np.argsort(d)[:3])
