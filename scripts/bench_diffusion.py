"""Text-to-image speed: the /text_to_image handler against the bare decoder loop, side by side in one run.

    python scripts/bench_diffusion.py --full    # the README numbers: writes benchmarks/diffusion.{json,md} + README
    python scripts/bench_diffusion.py --quick   # the tests: one repetition, into artifacts/benchmarks/

For 16 images at the default 25 DDIM steps and guidance 3 (a doubled batch per step), it times, alternately and
with the same inputs: (a) the bare decoder loop (image embedding and noise given: only the UNet calls and the
scheduler), (b) the whole pipeline (text encoder, prior, decoder), and (c) the tab's handler, which adds the
input checks, a picture of the denoising every 5 steps, the GIF, the classifier's verdicts and the gallery.
Medians are compared; the issue's bar is 3 s of server time on 2 CPU cores.
"""
from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from bench_report import header, parse_mode, write  # noqa: E402

from gan_demo.device import configure_threads, pick_device  # noqa: E402
from gan_demo.families.text.generate import generate, noises, text_embeddings  # noqa: E402
from ui.common import get_model  # noqa: E402
from ui.tabs import diffusion  # noqa: E402

README_START, README_END = "<!-- bench-diffusion:start -->", "<!-- bench-diffusion:end -->"
DATASET, PROMPT, N, SEED = "fashion", "a photo of a dark sneaker", 16, 0
BAR_MS = 3000


def cases(model, steps: int, guidance: float) -> dict:
    text = text_embeddings(model, [PROMPT] * N)
    prior_noise, image_noise = noises(model, N, SEED)
    with torch.inference_mode():
        embedding = model.image_embedding(text, prior_noise, steps)

    def bare():
        with torch.inference_mode():
            return model.decode(embedding, image_noise, steps, guidance)

    def handler():
        for _ in diffusion.text_to_image(PROMPT, N, SEED, steps, guidance, DATASET, progress=NoProgress()):
            pass
    return {"bare decoder loop": bare, "pipeline (text, prior, decoder)": lambda: generate(model, [PROMPT] * N, SEED,
            steps, guidance), "/text_to_image handler": handler}


class NoProgress:
    """Stands in for gr.Progress outside a request: iterates and ignores the bar."""

    def __call__(self, *args, **kwargs):
        return None

    def tqdm(self, iterable, *args, **kwargs):
        return iterable


def measure(repeats: int) -> dict:
    model = get_model(f"text-{DATASET}")
    steps, guidance = model.steps, model.guidance
    fns = cases(model, steps, guidance)
    timed = {name: [] for name in fns}
    for fn in fns.values():  # warm-up
        fn()
    for _ in range(repeats):  # interleaved, so a busy moment hits every case alike
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            timed[name].append(1000 * (time.perf_counter() - start))
    medians = {name: statistics.median(t) for name, t in timed.items()}
    bare = medians["bare decoder loop"]
    return {"images": N, "steps": steps, "guidance": guidance, "repeats": repeats,
            "rows": [{"what": name, "median_ms": round(ms, 1), "ratio": round(ms / bare, 2)} for name, ms in medians.items()]}


def markdown(r: dict) -> str:
    m = r["machine"]
    out = [f"Made by `{r['command']}` on {r['date']}: {m['usable_cores']} of {m['cores']} cores usable, "
           f"{m['torch_threads']} torch threads, device {m['device']}, Python {m['python']}, torch {m['torch']}; "
           f"load average {m['load_average_at_start']} at start.", "",
           f"{r['images']} images of *{PROMPT}* at the default {r['steps']} DDIM steps and guidance {r['guidance']:g}, "
           f"medians of {r['repeats']} interleaved runs:", "",
           "| what | median (ms) | ratio to the bare decoder loop |", "|---|---:|---:|"]
    out += [f"| {row['what']} | {row['median_ms']:.0f} | {row['ratio']:.2f}x |" for row in r["rows"]]
    server = next(row for row in r["rows"] if row["what"] == "/text_to_image handler")["median_ms"]
    out += ["", f"Server time for 16 images: **{server / 1000:.2f} s** (bar: at most {BAR_MS / 1000:.0f} s "
            f"{'met' if server <= BAR_MS else 'NOT met'})."]
    return "\n".join(out) + "\n"


def main(argv=None) -> None:
    args = parse_mode(__doc__, argv)
    configure_threads()
    result = header("bench_diffusion.py", args.mode, torch_threads=torch.get_num_threads(), device=str(pick_device()))
    result |= measure(1 if args.mode == "quick" else 7)
    write(args, "diffusion", result, markdown, (README_START, README_END), "text-to-image benchmark")


if __name__ == "__main__":
    main()
