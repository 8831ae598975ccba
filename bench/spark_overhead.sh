#!/usr/bin/env bash
# The analysis of an experiment without Spark and with --spark MASTER, alternating, N times each, on
# fresh copies with the analysis tables removed; prints each whole-process wall time, the medians
# and whether the results folders are byte-identical.
#   bench/spark_overhead.sh EXPERIMENT_DIR [MASTER=local[2]] [N=3]
# For the demo: bin/unetscope demo --out /tmp/demo && bench/spark_overhead.sh /tmp/demo
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$(cd "$1" && pwd)"; master="${2:-local[2]}"; n="${3:-3}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
"$here/bin/unetscope" --version >/dev/null                       # build the core before timing
"$here/bin/unetscope" analyze --spark "$master" --help >/dev/null   # and the Spark module
fresh() {
  rm -rf "$work/$1"; cp -r "$src" "$work/$1"
  (cd "$work/$1/results" && rm -f layers.csv case_scores.csv validation_scores.csv correlations.csv failure.csv \
     prediction.csv prediction_summary.csv predictor.json)
}
for i in $(seq "$n"); do
  for mode in plain spark; do
    fresh "$mode"
    extra=(); [ "$mode" = spark ] && extra=(--spark "$master")
    s=$(date +%s%N)
    "$here/bin/unetscope" analyze --experiment "$work/$mode" "${extra[@]}" > "$work/$mode-$i.log" 2>&1
    e=$(date +%s%N)
    echo "$mode $i $(( (e - s) / 1000000 )) ms (load $(cut -d' ' -f1 /proc/loadavg))"
  done
done | tee "$work/times"
awk '{t[$1]=t[$1]" "$3} END {for (m in t) {n=split(t[m],x," "); for(i=1;i<=n;i++) for(j=i+1;j<=n;j++) if (x[j]<x[i]) {y=x[i];x[i]=x[j];x[j]=y}; print m, "median", (n%2 ? x[(n+1)/2] : (x[n/2]+x[n/2+1])/2), "ms"}}' "$work/times"
if diff -r "$work/plain/results" "$work/spark/results" >/dev/null; then echo "results: byte-identical"; else echo "results: DIFFER"; fi
