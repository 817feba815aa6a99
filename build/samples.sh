#!/usr/bin/env bash
# Places the sample media under data/samples/ (ignored, never committed): the example clips and pictures
# of Debian's opencv-doc package (examples/data/, .gz files decompressed) and the sample portraits
# demo/sample*.jpg (as data/samples/sample1.jpg …) of the npm package @vladmandic/face-api 1.7.15. Idempotent; quiet when all is present.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=data/samples
src=/usr/share/doc/opencv-doc/examples/data
mkdir -p "$dest"
if [ -d "$src" ]; then
  for f in "$src"/*.avi "$src"/*.avi.gz "$src"/*.jpg "$src"/*.jpg.gz "$src"/*.png "$src"/*.png.gz; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .gz)
    [ -s "$dest/$name" ] && continue
    if [[ "$f" == *.gz ]]; then gzip -dc "$f" > "$dest/.$name.tmp"; else cp "$f" "$dest/.$name.tmp"; fi
    mv "$dest/.$name.tmp" "$dest/$name"
  done
else
  echo "samples: $src is missing: install it with: sudo apt-get install opencv-doc" >&2
fi
if ! ls "$dest"/sample[1-6].jpg >/dev/null 2>&1; then
  command -v npm >/dev/null || { echo "samples: npm is missing (needed once for the face-api portraits): install it with: sudo apt-get install npm" >&2; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent @vladmandic/face-api@1.7.15 >/dev/null 2>&1) \
    || { echo "samples: 'npm pack @vladmandic/face-api@1.7.15' failed: check the network and run make setup again" >&2; exit 1; }
  tar -xzf "$tmp"/vladmandic-face-api-1.7.15.tgz -C "$tmp" --wildcards 'package/demo/sample*.jpg'
  for f in "$tmp"/package/demo/sample*.jpg; do cp "$f" "$dest/$(basename "$f")"; done
fi
