#!/usr/bin/env bash
# Runs the Stylize sample (built with `dotnet build samples/Stylize -c Release` from the packages in artifacts/) on
# tiny inputs and checks what it writes: 8 frames of data/samples/vtest.avi at 64x48, its first frame "painted" by a
# hue shift, 30 training steps of a tiny network -> OUT/stylized.mp4 (64x48, 8 frames). Usage: run.sh OUT_DIR.
# Prints one line; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:?usage: samples/Stylize/run.sh OUT_DIR}
mkdir -p "$out"
ffmpeg -v error -nostdin -y -i data/samples/vtest.avi -frames:v 8 -vf scale=64:48 -c:v libx264 -pix_fmt yuv420p "$out/clip.mp4"
ffmpeg -v error -nostdin -y -i "$out/clip.mp4" -frames:v 1 -vf hue=h=120:s=2 "$out/painted.png"
dotnet samples/Stylize/bin/Release/net10.0/Stylize.dll "$out/clip.mp4" "$out/painted.png" "$out/stylized.mp4" 8 30 >"$out/Stylize.log" 2>&1 \
  || { echo "Stylize failed:" >&2; cat "$out/Stylize.log" >&2; exit 1; }
shape=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=width,height,nb_read_frames -of csv=p=0 "$out/stylized.mp4")
[ "$shape" = "64,48,8" ] || { echo "Stylize wrote $shape (width,height,frames), expected 64,48,8" >&2; exit 1; }
tail -1 "$out/Stylize.log"
