#!/usr/bin/env bash
# The embedded main job: keyframe video stylization of a sample clip, end to end.
#   1. a short clip of data/samples/Megamind.avi (48 frames from 0:03, downscaled to 192×140);
#   2. a "painted" keyframe: we have no artist, so frame 24 goes through a deterministic cartoon filter
#      (`vivify stylize toon`: posterised colours, dark outlines) and stands in for a painting;
#   3. `vivify stylize`: inputs prepared as the published tool does (time-aware bilateral filter along optical
#      flow), a few minutes of training (configs/stylize-demo.yaml: a light configuration for 2 CPU cores), every
#      frame stylized; writes out/demo/stylized.mp4, out/demo/preview.mp4 (input | stylized) and the model.
set -euo pipefail
cd "$(dirname "$0")/.."
./vivify info
out=out/demo
# The demo's own folder, made afresh: a second `make demo` replaces the first one's results (vivify itself never
# overwrites a model without --overwrite).
rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)
./vivify media convert data/samples/Megamind.avi --start 72 --frames 48 --size 192x140 --no-audio -o "$out/clip.mp4" -q
./vivify media convert "$out/clip.mp4" --start 24 -o "$out/frame00024.png" -q
./vivify stylize toon "$out/frame00024.png" -o "$out/painted00024.png"
./vivify stylize --video "$out/clip.mp4" --key 24="$out/painted00024.png" --config configs/stylize-demo.yaml \
  --minutes "${DEMO_MINUTES:-2.5}" --seed 1 -o "$out/stylized.mp4" --preview "$out/preview.mp4" --model "$out/model.pth"
echo "demo: stylization job took $(( $(date +%s) - start )) s; see $out/stylized.mp4 and $out/preview.mp4"
