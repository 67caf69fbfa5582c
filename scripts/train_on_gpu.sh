#!/usr/bin/env bash
# Train on a CUDA machine and run the tests there: one call (docs/architecture.md, "Devices").
#
#   on a machine with the datasets:  python -m gan_demo.data.stage    # data/ (git-ignored): both datasets as idx files
#   on the CUDA machine, with data/:  bash scripts/train_on_gpu.sh
#
# It trains gan-fashion and gan-mnist with the shipped recipes (GAN_STEPS steps; 6,000 made the shipped weights)
# and, beside them, runs every test that machine can collect on cuda (wherever a test does not name a device, the
# package picks it; test files that import a missing Gradio or Chromium fail to collect, the rest run). Everything
# lands in $OUT (default runs/gpu): summary.txt (the machine, the versions, each run's wall time, the test summary),
# tests.log, and each run's log and weights folder, ready to copy into weights/ and measure with make evaluate.
# Checkpoints stay in checkpoints/, so calling the script again resumes the runs.
#
# Overrides: GAN_STEPS (default 12000), DEVICE (cuda), TEST_TIMEOUT and TRAIN_TIMEOUT (seconds; the defaults keep
# the call under ten minutes), PYTEST_ARGS (extra pytest arguments), PYTHON, OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-runs/gpu}
PY=${PYTHON:-python}
DEVICE=${DEVICE:-cuda}
GAN_STEPS=${GAN_STEPS:-12000}
TEST_TIMEOUT=${TEST_TIMEOUT:-480}
TRAIN_TIMEOUT=${TRAIN_TIMEOUT:-540}
mkdir -p "$OUT"
{
  if command -v nvidia-smi > /dev/null; then nvidia-smi --query-gpu=name,memory.total --format=csv,noheader; fi
  "$PY" -c "import sys, torch, diffusers, huggingface_hub as hub
print('Python', sys.version.split()[0], 'torch', torch.__version__, 'diffusers', diffusers.__version__,
      'huggingface_hub', hub.__version__, 'cuda available:', torch.cuda.is_available())"
} > "$OUT/summary.txt"

run() { # name, then flags: one resumable run, its log appended to, its wall time appended to the summary
  local name=$1; shift
  local start=$SECONDS
  timeout "$TRAIN_TIMEOUT" "$PY" -m gan_demo.train "${name%-*}" --dataset "${name#*-}" --device "$DEVICE" \
    --out "$OUT/$name" --checkpoint-dir "checkpoints/$name" "$@" >> "$OUT/$name.log" 2>&1
  echo "$name: exit $?, $((SECONDS - start)) s wall: $*" >> "$OUT/summary.txt"
}
run gan-fashion --steps "$GAN_STEPS" --width 64 --batch-size 128 &
run gan-mnist --steps "$GAN_STEPS" --width 64 --batch-size 128 --mbstd-group 4 &

parallel=()
if "$PY" -c "import xdist" 2> /dev/null; then parallel=(-n 12); fi
GAN_DEMO_DEVICE=$DEVICE HF_HUB_OFFLINE=1 timeout "$TEST_TIMEOUT" "$PY" -m pytest -q -p no:cacheprovider \
  --continue-on-collection-errors "${parallel[@]}" ${PYTEST_ARGS:-} > "$OUT/tests.log" 2>&1
echo "tests: exit $? (124: stopped at ${TEST_TIMEOUT} s)" >> "$OUT/summary.txt"
grep -E "^(FAILED|ERROR)|passed|failed" "$OUT/tests.log" | tail -n 40 >> "$OUT/summary.txt"
wait
cat "$OUT/summary.txt"
