#!/usr/bin/env bash
# The embedded main job. Until a capability exists it shows the foundation: `vivify info`.
set -euo pipefail
cd "$(dirname "$0")/.."
./vivify info
