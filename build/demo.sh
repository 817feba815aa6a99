#!/usr/bin/env bash
# The embedded main job. Until the stylization job lands here it shows the foundation: `vivify info`, and a
# checkpoint round trip on the published-layout fixtures (legacy torch.save -> safetensors -> zip torch.save).
set -euo pipefail
cd "$(dirname "$0")/.."
./vivify info
fixtures="${VIVIFY_FIXTURES:-../shared/fixtures}"
ckpt="$fixtures/fomm/checkpoint-legacy.pth.tar"
if [[ ! -f "$ckpt" ]]; then
  echo "demo: $ckpt not found; set VIVIFY_FIXTURES to the fixtures folder to run the checkpoint round trip" >&2
  exit 1
fi
mkdir -p out/demo
echo
echo "== checkpoint round trip: $ckpt"
./vivify checkpoint inspect "$ckpt" | tail -n 4
./vivify checkpoint convert "$ckpt" out/demo/checkpoint.safetensors
./vivify checkpoint convert out/demo/checkpoint.safetensors out/demo/checkpoint.pth.tar
if [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c "import torch" 2>/dev/null; then
  /usr/bin/python3 - "$ckpt" out/demo/checkpoint.pth.tar <<'PY'
import sys, torch
a, b = (torch.load(p, weights_only=False) for p in sys.argv[1:3])
def same(x, y):
    if isinstance(x, dict): return list(x) == list(y) and all(same(x[k], y[k]) for k in x)
    if isinstance(x, (list, tuple)): return type(x) == type(y) and len(x) == len(y) and all(map(same, x, y))
    if torch.is_tensor(x): return x.dtype == y.dtype and torch.equal(x, y)
    return type(x) == type(y) and x == y
print("torch.load of Vivify's zip file equals the original:", same(a, b))
sys.exit(0 if same(a, b) else 1)
PY
fi
