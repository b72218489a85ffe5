#!/usr/bin/env bash
# docs/report_screenshot.png: the top of report.html for a short default search (the README's
# configuration, 400 steps, a record every 5 steps), rendered by headless Chromium.
# usage: experiments/report_screenshot.sh [RUN_DIR]   (searched first when RUN_DIR holds no run;
#        default runs/report_demo)
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:-runs/report_demo}
if [ ! -f "$run/params.json" ]; then
  build/bin/tunas_search --config search/configs/fashion_mnist_default.yaml --steps 400 --log-every 5 --threads 1 \
    --out "$run"
fi
build/bin/tunas_report "$run"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
  --window-size=1300,1440 --screenshot="$PWD/docs/report_screenshot.png" \
  "file://$(realpath "$run")/report.html" > /dev/null 2>&1
ls -l docs/report_screenshot.png
