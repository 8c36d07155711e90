#!/bin/sh
# The HTML report at suite scale: runs the 500-cell sweep benchmarks/scenarios/html-500.yaml
# (2 short trials a cell), then measures index.html's size (budget 3 MiB), the time to render
# every report from trials.json (`ticketrush merge` of the one run), and, when chromium is
# installed, the page's render in headless Chromium (budget 200 ms to the first contentful
# paint; benchmarks/report-render.py, median of 5 loads) and the renderer's CPU time per phase
# (benchmarks/render-trace.py), which barely moves with the machine's load.
# Usage: benchmarks/html-scale.sh [BINARY] [SHOTS]   (default .build/release/ticketrush; with
# SHOTS, the pictures of docs/results.md are remade there: 1, 16 and 500 cells, and the
# 16-cell sweep's charts reached through its deep link #sweep-0)
set -eu
bin=${1:-.build/release/ticketrush}
shots=${2:-}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Races in lock.mode=none cells may fail their hold expectations: exit 1 is a result here.
"$bin" run benchmarks/scenarios/html-500.yaml --reports "$out/run" --work "$out/work" --quiet >/dev/null || test $? -eq 1
cells=$(grep -c '"trials_planned"' "$out/run/summary.json")
size=$(wc -c < "$out/run/index.html")
start=$(date +%s.%N)
"$bin" merge "$out/run" --reports "$out/merged" --quiet >/dev/null || test $? -eq 1
end=$(date +%s.%N)
echo "cells: $cells"
echo "index.html: $size bytes ($(awk "BEGIN{printf \"%.2f\", $size/1048576}") MiB; budget 3 MiB)"
echo "reports from trials.json (merge): $(awk "BEGIN{printf \"%.3f\", $end-$start}") s"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ] || ! command -v python3 >/dev/null 2>&1; then
  echo "headless render: not measured (no chromium or python3 on this machine)"
  exit 0
fi
python3 benchmarks/report-render.py "$out/run/index.html" --browser "$browser" --runs 5
python3 benchmarks/render-trace.py "$out/run/index.html" "$browser"
if [ -n "$shots" ]; then
  mkdir -p "$shots"
  shot() { python3 benchmarks/report-render.py "$1" --browser "$browser" --width 1280 --height 900 --shot "$2" >/dev/null; }
  shot "$out/run/index.html" "$shots/report-500-cells.png"
  "$bin" run scenarios/first/1-seed-race.yaml --trials 5 --reports "$out/one" --work "$out/work1" --quiet >/dev/null
  shot "$out/one/index.html" "$shots/report-1-cell.png"
  "$bin" run benchmarks/scenarios/report-16.yaml --reports "$out/sixteen" --work "$out/work16" --quiet >/dev/null || test $? -eq 1
  shot "$out/sixteen/index.html" "$shots/report-16-cells.png"
  shot "$out/sixteen/index.html#sweep-0" "$shots/report-16-cells-sweep.png"
fi
