#!/usr/bin/env bash
# make samples: builds the programs under samples/ from the packages in artifacts/ (make pack writes them; the
# samples' NuGet.config names that feed) and runs them on tiny inputs, checking what they write:
#   Animate:   samples/Animate/tiny.yaml with random weights (the bench writes them), data/samples/sample1.jpg driven
#              by 8 frames of data/samples/Megamind.avi -> out/samples/animated.mp4 (8 frames, 64x64);
#   Stylize:   8 frames of data/samples/vtest.avi at 64x48, the first painted by a hue shift (samples/Stylize/run.sh)
#              -> out/samples/stylize/stylized.mp4 (8 frames, 64x48);
#   Landmarks: data/samples/sample1.jpg with the face-api networks of data/face-api/model -> out/samples/landmarks.png.
# Ends with 'samples: N passed, N failed'.
set -uo pipefail
cd "$(dirname "$0")/.."
ls artifacts/Vivify.Motion.[0-9]*.nupkg >/dev/null 2>&1 || { echo "samples: no packages in artifacts/: run 'make pack' first" >&2; exit 1; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out=out/samples
rm -rf "$out" && mkdir -p "$out"
rm -rf samples/.packages/vivify.* # the packages of this make pack, not those of an earlier one of the same version
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "samples: ok   $*"; }
bad() { failed=$((failed + 1)); echo "samples: FAIL $*" >&2; }

ffmpeg -v error -nostdin -y -i data/samples/Megamind.avi -an -frames:v 8 -vf scale=128:96 -c:v libx264 -pix_fmt yuv420p "$out/driving.mp4" \
  || bad "could not cut the driving clip from data/samples/Megamind.avi (make setup places it)"
dotnet run -c Release --project bench/Vivify.Bench -- animate --write-checkpoint "$out/tiny.pth.tar" --config samples/Animate/tiny.yaml >"$out/checkpoint.log" 2>&1 \
  || { bad "the bench could not write the tiny checkpoint:"; cat "$out/checkpoint.log" >&2; }

for s in Animate Landmarks Stylize; do
  if dotnet build "samples/$s" -c Release -nologo -v q -clp:ErrorsOnly >"$out/$s.build.log" 2>&1; then ok "$s: built from the packages"
  else bad "$s: build failed:"; cat "$out/$s.build.log" >&2; fi
done

if dotnet "samples/Animate/bin/Release/net10.0/Animate.dll" samples/Animate/tiny.yaml "$out/tiny.pth.tar" data/samples/sample1.jpg \
     "$out/driving.mp4" "$out/animated.mp4" >"$out/Animate.log" 2>&1; then
  shape=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=width,height,nb_read_frames -of csv=p=0 "$out/animated.mp4")
  if [ "$shape" = "64,64,8" ]; then ok "Animate: $(tail -1 "$out/Animate.log")"; else bad "Animate wrote $shape (width,height,frames), expected 64,64,8"; fi
else
  bad "Animate failed:"; cat "$out/Animate.log" >&2
fi

if dotnet "samples/Landmarks/bin/Release/net10.0/Landmarks.dll" data/samples/sample1.jpg "$out/landmarks.png" data/face-api/model >"$out/Landmarks.log" 2>&1; then
  size=$(ffprobe -v error -show_entries stream=width,height -of csv=p=0 "$out/landmarks.png")
  want=$(ffprobe -v error -show_entries stream=width,height -of csv=p=0 data/samples/sample1.jpg)
  if [ "$size" = "$want" ]; then ok "Landmarks: $(paste -sd ';' "$out/Landmarks.log")"; else bad "Landmarks wrote $size, expected the portrait's $want"; fi
else
  bad "Landmarks failed:"; cat "$out/Landmarks.log" >&2
fi

if line=$(bash samples/Stylize/run.sh "$out/stylize" 2>"$out/Stylize.err"); then ok "Stylize: $line"
else bad "Stylize:"; cat "$out/Stylize.err" >&2; fi

echo "samples: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
