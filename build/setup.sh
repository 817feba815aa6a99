#!/usr/bin/env bash
# Installs what is missing (Debian packages, the sample media); quiet when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm (the face networks and their parity reference come from the npm package @vladmandic/face-api):
# checked by command, since they may come from another repository than Debian's.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]} with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v dotnet >/dev/null || { echo "setup: the .NET 10 SDK is missing: install it (https://learn.microsoft.com/dotnet/core/install/linux-debian), then run make again" >&2; exit 1; }
bash build/samples.sh
bash build/face-models.sh
