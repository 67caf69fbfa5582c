#!/usr/bin/env bash
# Train all nineteen shipped models into weights/, exactly as they were made (see docs/training.md).
# Two lanes of one CPU thread each run side by side; every run resumes from checkpoints/ if interrupted.
# Each run uses the best device there is (cuda, mps, cpu): gan-fashion, gan-mnist and autoencoder-fashion
# were trained on a GPU and take about 5, 5 and 2.3 hours on one CPU core (see docs/training.md).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
mkdir -p runs
train() { # name, then flags; CPU time per run goes to runs/times.txt, the output to runs/<name>.log (appended:
  # text-mnist's three commands share a name, and a resumed run continues its log)
  local name=$1; shift
  /usr/bin/time -f "$name: %U s user CPU, %e s wall" -a -o runs/times.txt \
    "$PY" -m gan_demo.train "${name%-*}" --dataset "${name##*-}" --threads 1 "$@" >> "runs/$name.log" 2>&1
}
(
  train classifier-fashion --steps 3000
  train cgan-fashion --steps 4500 --aux-weight 1
  train autoencoder-mnist --steps 1500 --acai 0.01
  train gan-mnist --steps 6000 --width 64 --batch-size 128 --mbstd-group 4
  train vae-mnist --steps 4000 --latent-dim 8
  # the latent flows learn the codes of the autoencoder and VAE trained before them in this lane (copied in)
  train latent-ae-mnist --steps 16000 --width 384
  train latent-vae-mnist --steps 8000
  train clip-fashion --steps 3000
  # the text-to-image pipeline copies (and freezes) the CLIP trained just before it
  train text-fashion --steps 25000 --prior-steps 20000 --guidance 2 --prior-guidance 2
  # a flow-matching decoder under that pipeline's CLIP and prior (--prior-from weights/text-fashion, the default)
  train text-flow-fashion --steps 5000
) &
(
  train classifier-mnist --steps 1500
  train gan-fashion --steps 6000 --width 64 --batch-size 128
  train autoencoder-fashion --steps 20000 --width 64
  train cgan-mnist --steps 3000 --aux-weight 1
  train vae-fashion --steps 6000
  train latent-ae-fashion --sharpen 2000
  train latent-vae-fashion
  train clip-mnist --steps 2000
  # MNIST's pipeline trains on 9,000 digits (make more-digits) and was made with its first command on 2 threads
  train text-mnist --steps 4500 --prediction sample --more-digits --threads 2
  # a new prior whose captions name attributes less often (docs/training.md, "Why MNIST's prior hears fewer attributes"), and
  # the decoder's self-check saved with it (docs/training.md, "Why MNIST's pipeline trains on 9,000 digits and redraws its strays")
  train text-mnist --decoder-from weights/text-mnist --more-digits --steps 20000 --attribute-p 0.3 --guidance 1 --prior-guidance 3 --prior-guidance-interval 200 700 --redraw-below 0.95 --checkpoint-dir checkpoints/text-mnist-prior
  # the decoder goes on training with the caption beside the image embedding (docs/training.md, "Why MNIST's decoder reads the caption")
  train text-mnist --finetune-decoder weights/text-mnist --decoder-text --more-digits --steps 2000 --lr 3e-4 --checkpoint-dir checkpoints/text-mnist-caption
) &
wait
cat runs/times.txt
