"""One link per view: the address carries the tab, the dataset and the tab's settings, and opening it restores them.

``?tab=gan&dataset=mnist&seed=7&n=4&scale=0.8`` opens the GAN tab on MNIST digits with those settings and presses
Generate, so the link shows the same pictures to everyone who opens it (same seed, same images). A value that is
not allowed is left out, the page keeps that control's default, and a notice says which value was ignored and why.
``projector=1`` turns on projector mode (larger, higher-contrast text, thicker plot lines; see ui/style.css).

:func:`parse` is pure (query parameters in, settings and ignored values out). :func:`link_row` lays out each tab's
"Copy link to this view" control and :func:`wire` connects it and the page's load event to the controls, found by
their ``elem_id`` so the tabs need not know about links.

Gradio's own ``gr.DeepLinkButton`` links to a snapshot of a session kept by the server: it does not survive a
restart and a reader cannot tell from the address what it shows. These links are plain settings instead.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

import gradio as gr

from gan_demo import live
from gan_demo.data import DATASETS
from gan_demo.families.text.generate import GUIDANCE, STEPS
from gan_demo.live.settings import G_INITS, MODELS, OPTIMIZERS
from gan_demo.sampling import MAX_SEED

TABS = {"ae": "Autoencoder", "gan": "GAN", "cgan": "Conditional GAN", "train": "Live training",
        "next": "What came next"}
DEFAULT_TAB = "ae"
DEFAULT_DATASET = "fashion"
MAX_SAMPLES, MAX_IMAGES, MAX_WORK = 64, 16, 16 * 50  # as the tabs check them (ui/components, diffusion/inputs)
NOISE_MAX, MAX_PROMPT = 1.0, 200
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class Setting:
    """One URL parameter of a tab: the control it sets (``elem_id``), what it accepts, and when it is applied.

    ``stage`` orders settings whose change resets others: 1 (the live run's mode) before 2 (its model and preset,
    which fill the optimiser settings) before 3 (everything else, which a user could then have edited)."""

    key: str
    elem_id: str
    kind: str  # "int", "float", "choice" or "text"
    low: float = 0
    high: float = 0
    choices: Callable[[dict], tuple[str, ...]] | None = None
    stage: int = 3

    def read(self, raw: str, context: dict) -> str | int | float:
        """The value ``raw`` stands for, or a ValueError that says what is allowed."""
        if self.kind == "choice":
            allowed = self.choices(context)
            if raw not in allowed:
                raise ValueError(f"choose one of {', '.join(allowed)}")
            return raw
        if self.kind == "text":
            if not raw.strip() or len(raw) > MAX_PROMPT:
                raise ValueError(f"give 1 to {MAX_PROMPT} characters")
            return raw.strip()
        try:
            number = float(raw)
        except ValueError:
            number = math.nan
        whole = self.kind != "int" or number == int(number) if math.isfinite(number) else False
        if not (whole and self.low <= number <= self.high):
            noun = "a whole number" if self.kind == "int" else "a number"
            raise ValueError(f"give {noun} from {short(self.low)} to {short(self.high)}")
        return int(number) if self.kind == "int" else number


def short(x: float) -> str:
    """2147483647 stays whole, 0.0002 stays short; a float keeps every digit it needs to read back the same."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _seed(elem_id: str) -> Setting:
    return Setting("seed", elem_id, "int", 0, MAX_SEED)


def _fixed(*values: str) -> Callable[[dict], tuple[str, ...]]:
    return lambda context: values


def _live(key: str, kind: str = "int", low: float = 0, high: float = 0, choices=None, stage: int = 3) -> Setting:
    return Setting(key, f"live-{key}", kind, low, high, choices, stage)


SETTINGS: dict[str, tuple[Setting, ...]] = {
    "ae": (Setting("noise", "ae-noise", "float", 0, NOISE_MAX),),
    "gan": (_seed("gan-seed"), Setting("n", "gan-n", "int", 1, MAX_SAMPLES),
            Setting("scale", "gan-scale", "float", 0.1, 2.0), Setting("round", "judge-seed", "int", 0, MAX_SEED)),
    "cgan": (Setting("class", "cgan-class", "choice", choices=lambda c: DATASETS[c["dataset"]].classes),
             Setting("n", "cgan-n", "int", 1, MAX_SAMPLES), _seed("cgan-seed")),
    "next": (Setting("prompt", "dalle-prompt", "text"), Setting("n", "dalle-n", "int", 1, MAX_IMAGES),
             _seed("dalle-seed"), Setting("steps", "dalle-steps", "int", *STEPS),
             Setting("guidance", "dalle-guidance", "float", *GUIDANCE)),
    "train": (_live("mode", "choice", choices=_fixed(*live.DATASETS), stage=1),
              _live("model", "choice", choices=lambda c: MODELS[c["mode"]], stage=2),
              _live("preset", "choice", choices=_fixed("custom", *live.PRESETS), stage=2),
              Setting("data", "live-dataset", "choice", choices=lambda c: live.DATASETS[c["mode"]], stage=2),
              _live("k_disc", "int", *live.LIMITS["k_disc"]),
              _live("g_loss", "choice", choices=_fixed(*live.G_LOSSES)),
              _live("optimizer", "choice", choices=_fixed(*OPTIMIZERS)),
              _live("lr_d", "float", *live.LIMITS["lr"]), _live("lr_g", "float", *live.LIMITS["lr"]),
              _live("batch_size", "int", 8, max(live.MAX_BATCH.values())),
              _live("latent_dim", "int", *live.LIMITS["latent_dim"]),
              _live("hidden", "int", *live.LIMITS["hidden"]), _live("steps", "int", *live.LIMITS["steps"]),
              _live("seed", "int", *live.LIMITS["seed"]),
              _live("g_init", "choice", choices=_fixed(*G_INITS))),
}
# pressed on opening, so a link shows its pictures (the GAN tab's: its samples, then Be the discriminator's round)
RUN_BUTTONS = {"ae": ("ae-run",), "gan": ("gan-run", "judge-deal"), "cgan": ("cgan-run",), "next": ("dalle-run",)}
GLOBAL = ("tab", "dataset", "projector")
GRADIO_PARAMS = ("view",)  # Gradio's own (?view=api, and ?__theme=dark like every "__" one): left to Gradio


@dataclass
class Link:
    """What a link asks for: the tab, the dataset, projector mode, the tab's settings, and what was ignored."""

    tab: str = DEFAULT_TAB
    dataset: str = DEFAULT_DATASET
    projector: bool = False
    values: dict[str, str | int | float] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def stage(self, number: int) -> dict[str, str | int | float]:
        """The settings applied at ``number`` (see :class:`Setting`), by the elem_id of their controls."""
        return {s.elem_id: self.values[s.key] for s in SETTINGS[self.tab] if s.stage == number and s.key in self.values}

    def notice(self) -> str:
        return "" if not self.ignored else ("**This link had values the page cannot use; it opened with the "
                                            "defaults for them.** " + " ".join(self.ignored))


def parse(query: Mapping[str, str], check_prompt: Callable[[str, str], None] | None = None) -> Link:
    """Query parameters -> :class:`Link`. Every value is checked; a bad one is left out and named in ``ignored``.

    ``check_prompt(prompt, dataset)`` raises ValueError for a prompt the dataset's models cannot read (it needs
    the text model, so the page passes it in and the tests may leave it out)."""
    link = Link()
    query = {k: v for k, v in query.items() if not k.startswith("__") and k not in GRADIO_PARAMS}

    def ignore(key: str, why: str) -> None:
        link.ignored.append(f"Ignored {key}={query[key]!r}: {why}.")

    tab = query.get("tab", DEFAULT_TAB)
    if tab in SETTINGS:
        link.tab = tab
    else:
        ignore("tab", f"choose one of {', '.join(SETTINGS)}")
    dataset = query.get("dataset", DEFAULT_DATASET)
    if dataset in DATASETS:
        link.dataset = dataset
    else:
        ignore("dataset", f"choose one of {', '.join(DATASETS)}")
    projector = query.get("projector", "0").lower()
    if projector in TRUE + FALSE:
        link.projector = projector in TRUE
    else:
        ignore("projector", "use 1 (on) or 0 (off)")
    known = {s.key: s for s in SETTINGS[link.tab]}
    context = {"dataset": link.dataset, "mode": "2d"}
    for key in sorted(set(query) - set(GLOBAL), key=lambda k: known[k].stage if k in known else 0):
        if key not in known:
            ignore(key, f"not a setting of the {TABS[link.tab]} tab (it has {', '.join(known)})")
            continue
        try:
            value = known[key].read(query[key], context)
            if key == "prompt" and check_prompt:
                check_prompt(value, link.dataset)
        except ValueError as err:
            ignore(key, str(err))
            continue
        link.values[key] = value
        if key == "mode":
            context["mode"] = value
    _check_together(link, query, ignore)
    return link


def _check_together(link: Link, query: Mapping[str, str], ignore: Callable[[str, str], None]) -> None:
    """Limits that join two settings: images x steps per text-to-image request, a live run's batch in its mode."""
    v = link.values
    if link.tab == "next" and v.get("n", 8) * v.get("steps", 25) > MAX_WORK:
        drop = "steps" if "steps" in v else "n"
        ignore(drop, f"images x steps must stay at most {MAX_WORK}")
        del v[drop]
    if link.tab == "train" and v.get("batch_size", 8) > live.MAX_BATCH[v.get("mode", "2d")]:
        ignore("batch_size", f"at most {live.MAX_BATCH[v.get('mode', '2d')]} in {v.get('mode', '2d')} mode")
        del v["batch_size"]


def query_for(tab: str, dataset: str, projector: bool, values: Mapping[str, object]) -> str:
    """The query string (with its '?') of a view: the inverse of :func:`parse` for values it accepts."""
    params = {"tab": tab, "dataset": dataset, **({"projector": "1"} if projector else {})}
    for setting in SETTINGS[tab]:
        value = values.get(setting.elem_id)
        if value is not None:
            params[setting.key] = short(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
                else value
    return "?" + urlencode(params)


# -- the page ------------------------------------------------------------------------------------------------
# The copied address is the page's own (wherever it is served, a Space or a laptop) plus the query the server built.
FULL_URL = """(query) => { const url = location.origin + location.pathname + query;
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(url).catch(() => {});
    return url; }"""
# Waits until no event is running: a dataset from the link reloads every tab (the class menus and prompts go back
# to the new dataset's defaults), and a setting applied before that would be overwritten. Gradio shows a status
# tracker (.wrap, without .hide) on every output while its event runs; between two chained events (or while one
# waits in a busy server's queue) there is a moment with none, so the page must stay quiet for half a second.
SETTLE = """async () => { const pause = ms => new Promise(done => setTimeout(done, ms));
    const busy = () => [...document.querySelectorAll('.wrap')].some(w => !w.classList.contains('hide')
        && (w.classList.contains('default') || w.classList.contains('translucent')));
    await pause(150); let quiet = 0;
    for (let i = 0; i < 600 && quiet < 5; i++) { quiet = busy() ? 0 : quiet + 1; await pause(100); } return []; }"""
PROJECTOR = "(on) => { document.documentElement.classList.toggle('projector', !!on); return []; }"


@dataclass(frozen=True)
class LinkRow:
    button: gr.Button
    link: gr.Textbox
    download: gr.Button  # the tab's pictures as captioned PNGs (ui/downloads.py)
    files: gr.File


def link_row(tab: str) -> LinkRow:
    """The tab's "Copy link to this view" button and the box that shows the link (with its own copy button), then
    a button that downloads the tab's pictures and the files it makes."""
    with gr.Row(equal_height=True):
        with gr.Column(scale=0, min_width=200):
            button = gr.Button("🔗 Copy link to this view", size="sm", elem_id=f"{tab}-link-button")
            download = gr.Button("⬇ Pictures as PNG", size="sm", elem_id=f"{tab}-download")
        link = gr.Textbox(label="Link to this view (tab, dataset and settings)", interactive=False, buttons=["copy"],
                          placeholder="press the button: the link appears here and is copied", elem_id=f"{tab}-link")
    files = gr.File(label="This view's pictures: PNG, twice the size, each with a caption that makes it again",
                    file_count="multiple", interactive=False, visible=False, elem_id=f"{tab}-files")
    return LinkRow(button, link, download, files)


def projector_toggle() -> gr.Checkbox:
    # min_width: on a phone it wraps under the dataset instead of squeezing into a column a word wide
    return gr.Checkbox(False, label="Projector mode", elem_id="projector", min_width=240,
                       info="Larger, higher-contrast text, thicker plot lines (?projector=1 in a link).")


def _check_prompt(prompt: str, dataset: str) -> None:
    from ui.tabs.diffusion.inputs import pipeline  # noqa: PLC0415 - the text model loads on the first link with a prompt

    try:
        tokenizer = pipeline(dataset).tokenizer
    except gr.Error:  # the model cannot be loaded: Generate will say so
        return
    tokenizer.check(prompt)


def wire(demo: gr.Blocks, tabs: gr.Tabs, dataset: gr.Radio, projector: gr.Checkbox, notice: gr.Markdown,
         rows: Mapping[str, LinkRow]) -> None:
    """The links' events: each tab's copy button, projector mode, and the page's load, which applies a link."""
    controls = {block.elem_id: block for block in demo.blocks.values() if getattr(block, "elem_id", None)}
    missing = {s.elem_id for found in SETTINGS.values() for s in found} - set(controls)
    if missing:
        raise RuntimeError(f"deep links name controls the page does not have: {sorted(missing)}")
    for tab, row in rows.items():
        ids = [s.elem_id for s in SETTINGS[tab]]

        def link(data, on, *values, tab=tab, ids=ids) -> str:
            return query_for(tab, data, bool(on), dict(zip(ids, values)))

        row.button.click(link, [dataset, projector, *(controls[i] for i in ids)], row.link,
                         api_visibility="private").then(None, row.link, row.link, js=FULL_URL)
    projector.change(None, projector, None, js=PROJECTOR)

    state = gr.State(None)

    def opening(request: gr.Request) -> dict:
        query = dict(request.query_params) if request else {}
        if not query:
            return {state: None}
        link = parse(query, _check_prompt)
        updates = {state: link, notice: gr.Markdown(link.notice(), visible=bool(link.ignored))}
        if link.tab != DEFAULT_TAB:
            updates[tabs] = gr.Tabs(selected=link.tab)
        if link.dataset != DEFAULT_DATASET:
            updates[dataset] = link.dataset
        if link.projector:
            updates[projector] = True
        return updates

    # A link's settings are applied by a chain of events that only a link starts (a hidden button per tab, which
    # the page presses when its address has settings of the tab): a plain visit costs one small request, and no
    # event touches the controls of tabs not yet opened.
    keys = {tab: [s.key for s in found] for tab, found in SETTINGS.items()}
    start = f"""async () => {{ const q = new URLSearchParams(location.search), keys = {json.dumps(keys)};
        let tab = q.get('tab') || '{DEFAULT_TAB}'; if (!(tab in keys)) tab = '{DEFAULT_TAB}';
        await new Promise(done => setTimeout(done, 50));  // a click inside an event's own script is not seen
        if (keys[tab].some(k => q.has(k))) document.getElementById('link-apply-' + tab)?.click(); return []; }}"""
    demo.load(opening, None, [state, notice, tabs, dataset, projector], api_visibility="private").then(None, js=start)
    for tab, found in SETTINGS.items():
        # hidden by ui/style.css (.link-apply), in the page for the script above to press
        button = gr.Button("Apply the link", elem_id=f"link-apply-{tab}", elem_classes=["link-apply"])
        event = button.click(None, js=SETTLE)
        for number in (1, 2, 3):
            targets = [controls[s.elem_id] for s in found if s.stage == number]
            if not targets:
                continue

            def apply(link: Link | None, number=number, targets=targets) -> dict:
                values = link.stage(number) if link else {}  # gr.skip(): the control keeps its value
                return {t: values.get(t.elem_id, gr.skip()) for t in targets}

            event = event.then(apply, state, targets, api_visibility="private").then(None, js=SETTLE)
        if tab in RUN_BUTTONS:  # then the tab's buttons, so the link shows its pictures
            press = " ".join(f"document.getElementById('{b}')?.click();" for b in RUN_BUTTONS[tab])
            event.then(None, js=f"() => {{ {press} return []; }}")
