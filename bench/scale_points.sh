#!/usr/bin/env bash
# The measured points of docs/SCALE.md: analysis CPU seconds of one checkpoint for three networks,
# two cohorts and several position budgets. Usage: bench/scale_points.sh OUT_DIR (a few minutes on 2 cores).
set -euo pipefail
U="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/bin/unetscope"
out="${1:?usage: bench/scale_points.sh OUT_DIR}"
mkdir -p "$out" && cd "$out"
measure() { # name experiment positions
  /usr/bin/time -f "$1 P=$3 wall %e s user %U s sys %S s" "$U" analyze --experiment "$2" --samples-per-case "$3" --recompute --resamples 0 > "$1.p$3.log" 2>&1
  grep -E "wall" "$1.p$3.log"
}
"$U" demo --out c12 --cases 12 --data-only > c12.log 2>&1
"$U" demo --out c24 --cases 24 --data-only > c24.log 2>&1
cp -r c12 small && cp -r c12 mid
"$U" train --experiment small --objectives dice --steps 2 --checkpoints 1 --channels 8,16,32,64 --strides 2,2,2 > /dev/null 2>&1
"$U" train --experiment mid --objectives dice --steps 2 --checkpoints 1 --channels 16,32,64,128 --strides 2,2,2 > /dev/null 2>&1
"$U" train --experiment c24 --objectives dice --steps 2 --checkpoints 1 --channels 8,16,32,64 --strides 2,2,2 > /dev/null 2>&1
# the seed's network needs a depth divisible by 16: the same phantoms prepared at 64 x 64 x 32
"$U" demo --out seednet --data "$out/c12/data/phantoms" --data-only --shape 64,64,32 --spacing 1.5,1.5,2.7 > seednet.log 2>&1
"$U" train --experiment seednet --objectives dice --steps 2 --checkpoints 1 --channels 16,32,64,128,256 --strides 2,2,2,2 > /dev/null 2>&1
for p in 100 400; do measure small small $p; measure small24 c24 $p; measure mid mid $p; measure seednet seednet $p; done
measure seednet seednet 800
