"""Checks on what the browser shows, shared by the browser tests."""
from __future__ import annotations


def least_opacity(page, selector: str, seconds: float = 3) -> float:
    """The lowest effective opacity (its own times its ancestors') of ``selector`` over ``seconds`` of sampling."""
    return page.evaluate("""([selector, ms]) => new Promise(done => {
        let least = 1;
        const sample = () => {
            let o = 1;
            for (let e = document.querySelector(selector); e; e = e.parentElement) o *= +getComputedStyle(e).opacity;
            least = Math.min(least, o);
        };
        const timer = setInterval(sample, 20);
        setTimeout(() => { clearInterval(timer); done(least); }, ms);
    })""", [selector, seconds * 1000])
