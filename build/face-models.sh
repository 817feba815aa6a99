#!/usr/bin/env bash
# Installs the npm package @vladmandic/face-api 1.7.15 (MIT) into build/.cache/face-api-node/ (ignored) for the
# Node parity reference (its dist/face-api.js bundles TensorFlow.js with the CPU backend; the package has no runtime
# dependencies), and places its networks (model/*-weights_manifest.json + *.bin) under data/face-api/model/
# (ignored, never committed). Idempotent; quiet when all is present.
set -euo pipefail
cd "$(dirname "$0")/.."
version=1.7.15
node_dir=build/.cache/face-api-node
pkg=$node_dir/node_modules/@vladmandic/face-api
dest=data/face-api/model
if ! grep -qs "\"version\": \"$version\"" "$pkg/package.json"; then
  command -v npm >/dev/null || { echo "face-models: npm is missing (needed once for the face networks): install it with: sudo apt-get install npm" >&2; exit 1; }
  mkdir -p "$node_dir"
  [ -f "$node_dir/package.json" ] || echo '{ "name": "vivify-face-api-reference", "private": true }' > "$node_dir/package.json"
  npm install --prefix "$node_dir" --no-audit --no-fund --silent "@vladmandic/face-api@$version" >/dev/null 2>&1 \
    || { echo "face-models: 'npm install @vladmandic/face-api@$version' into $node_dir failed: check the network and run make setup again" >&2; exit 1; }
  grep -qs "\"version\": \"$version\"" "$pkg/package.json" \
    || { echo "face-models: $pkg/package.json is not version $version after npm install: remove $node_dir and run make setup again" >&2; exit 1; }
fi
mkdir -p "$dest"
for f in "$pkg"/model/*; do
  name=$(basename "$f")
  if [ ! -s "$dest/$name" ] || ! cmp -s "$f" "$dest/$name"; then
    cp "$f" "$dest/.$name.tmp" && mv "$dest/.$name.tmp" "$dest/$name"
  fi
done
