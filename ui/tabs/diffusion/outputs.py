"""The components an event of the tab fills, by name: a handler returns (or yields) {name: value}, and ``fill`` puts
each value in its component, so no tuple has to line up with the layout and a component left out keeps what it
shows (as the Live tab's ``RunOutputs``).

The handlers return names rather than components: they are plain functions, run before the components exist
(``initial`` computes the opening examples while the page is built) and by the tests, and on a ZeroGPU Space what
they return leaves the ``@gpu`` worker pickled, so it is best kept to plain values.
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

import gradio as gr


class Outputs:
    """The components one event fills, named, in the order its endpoint returns them (API clients unpack that
    order, see the README: never reorder)."""

    def __init__(self, **components: gr.components.Component):
        self.named = components

    def components(self) -> list[gr.components.Component]:
        """The components in API order, for the event's ``outputs``."""
        return list(self.named.values())

    def fill(self, values: dict) -> dict:
        """{name: value} -> {component: value}, what Gradio takes from a handler."""
        unknown = set(values) - set(self.named)
        if unknown:
            raise KeyError(f"{', '.join(sorted(unknown))}: not among this event's outputs ({', '.join(self.named)})")
        return {self.named[name]: value for name, value in values.items()}

    def filling(self, handler: Callable) -> Callable:
        """``handler`` answering by component: each {name: value} it returns or yields is filled. Its signature (the
        endpoint's parameters, its gr.Progress) and whether it streams stay as they are."""
        if inspect.isgeneratorfunction(inspect.unwrap(handler)):
            @functools.wraps(handler)
            def streamed(*args, **kwargs):
                for values in handler(*args, **kwargs):
                    yield self.fill(values)
            return streamed

        @functools.wraps(handler)
        def returned(*args, **kwargs):
            return self.fill(handler(*args, **kwargs))
        return returned
