#!/usr/bin/env bash
# make test: the format check, every test project (build/test.sh), the READMEs' C# examples compiled
# (build/readme-examples.sh), then the samples built from the packages (make samples); ends with one line
# 'N passed, N failed, N skipped' over all (a format failure counts as one failed).
set -uo pipefail
cd "$(dirname "$0")/.."
config=${1:-Release}
tests=$(mktemp) samples=$(mktemp) examples=$(mktemp)
trap 'rm -f "$tests" "$samples" "$examples"' EXIT
# The layout of the C# code (.editorconfig), checked first as it is quick (the build checks names and code style).
fmt=0
dotnet format whitespace --folder . --exclude samples/.packages artifacts --verify-no-changes -v q \
  || { fmt=1; echo "format: the C# code is not laid out as .editorconfig says (the files are named above): 'make format' fixes it" >&2; }
bash build/test.sh "$config" 2>&1 | tee "$tests"
rc=${PIPESTATUS[0]}
bash build/readme-examples.sh "$config" 2>&1 | tee "$examples"
erc=${PIPESTATUS[0]}
make --no-print-directory samples 2>&1 | tee "$samples"
src=${PIPESTATUS[0]}
read -r p f s < <(tail -1 "$tests" | awk '/passed, .* failed/ {print $1, $3, $5; found=1} END {if (!found) print 0, 1, 0}')
read -r sp sf < <(grep -E '^samples: [0-9]+ passed, [0-9]+ failed' "$samples" | tail -1 | awk '{print $2, $4}' || true)
sp=${sp:-0}; sf=${sf:-0}
if [ "$src" -ne 0 ] && [ "$sf" -eq 0 ]; then sf=1; fi
read -r ep ef < <(grep -E '^readme-examples: [0-9]+ passed, [0-9]+ failed' "$examples" | tail -1 | awk '{print $2, $4}' || true)
ep=${ep:-0}; ef=${ef:-0}
if [ "$erc" -ne 0 ] && [ "$ef" -eq 0 ]; then ef=1; fi
# CI shows only the tail of this output: name every failed test and crashed test host again just above the last line.
# Each failure's first lines of its message come with it (an assertion's expected and actual values).
digest=$(awk 'after > 0 {print; after--; next}
  msg > 0 { if ($0 ~ /^ *Stack Trace:/ || $0 ~ /^ *$/) msg = 0; else { sub(/^ +/, ""); print "  " $0; msg-- }; next }
  /^ +Error Message:/ {msg = 3; next}
  /Test host process crashed|test running when the crash occurred/ {print; after = 1; next}
  /\[FAIL\]$|^test: / {sub(/^\[xUnit.net [0-9:.]+\] +/, "Failed "); print}' "$tests" | head -24)
if [ -n "$digest" ]; then echo "what failed (full messages above):"; echo "$digest" | head -16 | cut -c1-300 | sed 's/^/  /'; fi
# One line of every test project's counts; a project without them did not finish (its test host crashed).
per=""
for d in tests/*.Tests; do
  name=$(basename "$d"); short=${name#Vivify.}; short=${short%.Tests}
  line=$(grep -E -- "- $name\.dll" "$tests" | tail -1 || true)
  if [ -z "$line" ]; then per+=" $short: NO RESULT;"; continue; fi
  per+=" $short $(echo "$line" | grep -oE 'Passed: +[0-9]+' | grep -oE '[0-9]+')"
  nf=$(echo "$line" | grep -oE 'Failed: +[0-9]+' | grep -oE '[0-9]+')
  if [ "${nf:-0}" -ne 0 ]; then per+=" (+$nf failed)"; fi
  per+=";"
done
echo "tests passed per project:${per%;}"
echo "$((p + sp + ep)) passed, $((f + sf + ef + fmt)) failed, ${s:-0} skipped"
[ "$rc" -eq 0 ] && [ "$src" -eq 0 ] && [ "$erc" -eq 0 ] && [ "$fmt" -eq 0 ]
