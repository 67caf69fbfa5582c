"""The widgets' scripts and styles, sent once per page: one empty ``gr.HTML`` at the top of the page defines them.

A gr.HTML's ``js_on_load`` and ``css_template`` travel in the page's config with every instance: seven scrubbers and
two explorers carried the same script and style nine times (about 40 kB of a 0.73 MB config). Here the library
component's own ``js_on_load`` defines ``window.ganDemoWidgets`` (one function per widget, taking the arguments
gr.HTML gives a script: ``element``, ``props``, ``trigger``, ``watch``) and puts the widgets' style in the document's
head once; each widget's ``js_on_load`` is then a loader of one line that calls its function as soon as the
library is there (components may mount before it).
"""
from __future__ import annotations

import json
from pathlib import Path

import gradio as gr

HERE = Path(__file__).parent


def script(name: str) -> str:
    """The widget script ``name`` (beside this file) without its comment lines, which the page need not carry."""
    lines = (HERE / name).read_text().splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("//"))


def loader(widget: str) -> str:
    """A widget's ``js_on_load``: start ``widget`` from the library, waiting for the library if need be."""
    return ("(function start() { const w = window.ganDemoWidgets; "
            f"if (w) w.{widget}(element, props, trigger, watch); else setTimeout(start, 20); }})();")


def library_script(widgets: dict[str, tuple[str, str]]) -> str:
    """The library's ``js_on_load``: {name: (script file, css)} -> the functions and the style, defined once."""
    functions = ",\n".join(f"{name}: function (element, props, trigger, watch) {{\n{script(file)}\n}}"
                           for name, (file, _) in widgets.items())
    css = "\n".join(style for _, style in widgets.values())
    return (f"if (!window.ganDemoWidgets) {{\n"
            f"const style = document.createElement('style');\nstyle.textContent = {json.dumps(css)};\n"
            f"document.head.appendChild(style);\nwindow.ganDemoWidgets = {{\n{functions}\n}};\n}}")


def library() -> gr.HTML:
    """The empty component whose script defines every widget: place it once, outside the tabs, so it mounts with
    the page."""
    from .explorer import CSS as EXPLORER_CSS  # noqa: PLC0415 - the widgets' modules import this one
    from .scrubber import CSS as SCRUBBER_CSS  # noqa: PLC0415

    code = library_script({"scrubber": ("scrubber.js", SCRUBBER_CSS), "explorer": ("explorer.js", EXPLORER_CSS)})
    return gr.HTML("", js_on_load=code, elem_id="widget-library", container=False, padding=False)
