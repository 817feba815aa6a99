#!/usr/bin/env bash
# Compiles the C# examples of the READMEs (README.md, docs/, src/*/README.md, src/*/PACKAGE.md) against the library
# projects (build/readme-examples.py writes them into one project); ends with 'readme-examples: N passed, N failed'.
set -uo pipefail
cd "$(dirname "$0")/.."
config=${1:-Release}
python3 build/readme-examples.py || { echo "readme-examples: 0 passed, 1 failed"; exit 1; }
if dotnet build build/.cache/readme-examples/ReadmeExamples.csproj -c "$config" -nologo -v q -clp:ErrorsOnly; then
  echo "readme-examples: 1 passed, 0 failed"
else
  echo "readme-examples: the examples above do not compile (file names: build/.cache/readme-examples/ExampleNN.cs, whose first line names the README)" >&2
  echo "readme-examples: 0 passed, 1 failed"; exit 1
fi
