"""Text-to-image speed: the /text_to_image handler against the bare decoder loop, side by side in one run.

    python scripts/bench_diffusion.py --full    # the published numbers: benchmarks/diffusion.{json,md} + docs/benchmarks.md
    python scripts/bench_diffusion.py --quick   # the tests: one repetition, into artifacts/benchmarks/

For each dataset's pipeline, 16 images at its default 25 DDIM steps and guidance (with guidance other than 1 a
step evaluates a doubled batch), it times, alternately and with the same inputs: (a) the bare decoder loop (image
embedding and noise given: only the UNet calls and the scheduler), (b) the whole pipeline (text encoder, prior,
decoder), and (c) the tab's handler, which adds the input checks, a picture of the denoising every 5 steps, the
GIF, the classifier's verdicts and the gallery.
Medians are compared; the bar is 3 s of server time on 2 CPU cores.
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

BLOCK_START, BLOCK_END = "<!-- bench-diffusion:start -->", "<!-- bench-diffusion:end -->"  # in docs/benchmarks.md
PROMPTS = {"fashion": "a photo of a dark sneaker", "mnist": "a photo of a dark 7"}
N, SEED = 16, 0
BAR_MS = 3000


def cases(dataset: str, model, steps: int, guidance: float) -> dict:
    prompt = PROMPTS[dataset]
    text = text_embeddings(model, [prompt] * N)
    prior_noise, image_noise = noises(model, N, SEED)
    with torch.inference_mode():
        embedding = model.image_embedding(text, prior_noise, steps)

    def bare():
        with torch.inference_mode():
            return model.decode(embedding, image_noise, steps, guidance, text=text)

    def handler():
        for _ in diffusion.text_to_image(prompt, N, SEED, steps, guidance, dataset, progress=NoProgress()):
            pass
    return {"bare decoder loop": bare, "pipeline (text, prior, decoder)": lambda: generate(model, [prompt] * N, SEED,
            steps, guidance), "/text_to_image handler": handler}


class NoProgress:
    """Stands in for gr.Progress outside a request: iterates and ignores the bar."""

    def __call__(self, *args, **kwargs):
        return None

    def tqdm(self, iterable, *args, **kwargs):
        return iterable


def measure(dataset: str, repeats: int) -> dict:
    model = get_model(f"text-{dataset}")
    steps, guidance = model.steps, model.guidance
    fns = cases(dataset, model, steps, guidance)
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
    decodes = generate(model, [PROMPTS[dataset]] * N, SEED, steps, guidance).decodes  # what the redraws added
    return {"dataset": dataset, "prompt": PROMPTS[dataset], "images": N, "steps": steps, "guidance": guidance,
            "repeats": repeats, "decoder_parameters": sum(p.numel() for p in model.decoder.parameters()),
            "redraw_below": model.redraw_below, "redrawn": int((decodes > 1).sum()), "decodes": int(decodes.sum()),
            "rows": [{"what": name, "median_ms": round(ms, 1), "ratio": round(ms / bare, 2)} for name, ms in medians.items()]}


def markdown(r: dict) -> str:
    m = r["machine"]
    out = [f"Made by `{r['command']}` on {r['date']}: {m['usable_cores']} of {m['cores']} cores usable, "
           f"{m['torch_threads']} torch threads, device {m['device']}, Python {m['python']}, torch {m['torch']}; "
           f"load average {m['load_average_at_start']} at start."]
    for d in r["datasets"]:
        server = next(row for row in d["rows"] if row["what"] == "/text_to_image handler")["median_ms"]
        out += ["", f"**{d['dataset']}**: {d['images']} images of *{d['prompt']}* at the default {d['steps']} DDIM steps "
                f"and guidance {d['guidance']:g} (a decoder of {d['decoder_parameters'] / 1e6:.2f} M parameters), medians "
                f"of {d['repeats']} interleaved runs{redraws(d)}:", "",
                "| what | median (ms) | ratio to the bare decoder loop |", "|---|---:|---:|"]
        out += [f"| {row['what']} | {row['median_ms']:.0f} | {row['ratio']:.2f}x |" for row in d["rows"]]
        out += ["", f"Server time for 16 images: **{server / 1000:.2f} s** (bar: at most {BAR_MS / 1000:.0f} s "
                f"{'met' if server <= BAR_MS else 'NOT met'})."]
    return "\n".join(out) + "\n"


def redraws(d: dict) -> str:
    """What the pipeline's self-check cost in this run: the bare loop decodes each image once, the pipeline and the
    handler decode its strays again."""
    if d.get("redraw_below") is None:
        return ""
    return (f"; the pipeline redraws images below a CLIP cosine of {d['redraw_below']:g}, and {d['redrawn']} of these "
            f"{d['images']} strayed ({d['decodes']} decodes in all, where the bare loop makes {d['images']})")


def main(argv=None) -> None:
    args = parse_mode(__doc__, argv)
    configure_threads()
    result = header("bench_diffusion.py", args.mode, torch_threads=torch.get_num_threads(), device=str(pick_device()))
    result["datasets"] = [measure(dataset, 1 if args.mode == "quick" else 7) for dataset in PROMPTS]
    write(args, "diffusion", result, markdown, (BLOCK_START, BLOCK_END), "text-to-image benchmark")


if __name__ == "__main__":
    main()
