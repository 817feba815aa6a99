#!/usr/bin/env bash
# Vivify: make TorchSharp 0.107.0's native layer load on distributions whose libstdc++ predates GCC 13.
#
# usage: fix-torchsharp.sh ORIGINAL_libLibTorchSharp.so OUT_DIR
# Writes OUT_DIR/libLibTorchSharp.so, a repaired copy of ORIGINAL, and OUT_DIR/libvivify_glibcxx_compat.so.
#
# libLibTorchSharp.so references exactly one symbol that libstdc++ 12 (Debian 12) lacks,
# _ZSt21ios_base_library_initv@GLIBCXX_3.4.32 (no relocation uses it: it only marks the version). The copy:
#   1. has its needed-version entry GLIBCXX_3.4.32 marked weak (VER_FLG_WEAK), so the loader does
#      not refuse the library for that version alone;
#   2. needs libvivify_glibcxx_compat.so (a DT_NEEDED entry), which defines that symbol as an empty
#      function (libstdc++ 12 initialises iostreams itself); the library's RUNPATH already starts
#      with $ORIGIN, so it is found beside it.
# Both files go where the build puts them: src/Vivify.Torch/buildTransitive/Vivify.Torch.targets copies them into
# build and publish outputs, and `make pack` ships them in the Vivify.Torch package, so that its consumers need
# neither gcc nor patchelf. Needs gcc and patchelf; ORIGINAL (the NuGet cache's file) is only read.
# Does nothing when both outputs are newer than ORIGINAL and the sources here.
set -euo pipefail
orig=${1:?usage: fix-torchsharp.sh ORIGINAL_LIB OUT_DIR}
out=${2:?usage: fix-torchsharp.sh ORIGINAL_LIB OUT_DIR}
compat=libvivify_glibcxx_compat.so
here=$(cd "$(dirname "$0")" && pwd)
lib="$out/libLibTorchSharp.so"

up_to_date() {
  local f
  for f in "$orig" "$here/fix-torchsharp.sh" "$here/elf_weak_version.c" "$here/glibcxx_compat.c" "$here/glibcxx_compat.map"; do
    [ "$lib" -nt "$f" ] && [ "$out/$compat" -nt "$f" ] || return 1
  done
}
[ -f "$lib" ] && [ -f "$out/$compat" ] && up_to_date && exit 0

need() { command -v "$1" >/dev/null || { echo "fix-torchsharp: '$1' is missing; install it with: sudo apt-get install -y $2 (or run 'make setup')" >&2; exit 1; }; }
need patchelf patchelf
need gcc gcc

mkdir -p "$out"
tmp=$(mktemp -d "$out/.fix-torchsharp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
gcc -O2 -o "$tmp/elf_weak_version" "$here/elf_weak_version.c"
gcc -shared -fPIC -nostdlib -O2 -Wl,--version-script="$here/glibcxx_compat.map" -Wl,-soname,$compat \
    -o "$tmp/$compat" "$here/glibcxx_compat.c"
cp -f "$orig" "$tmp/libLibTorchSharp.so"
chmod u+w "$tmp/libLibTorchSharp.so"
case "$(patchelf --print-rpath "$tmp/libLibTorchSharp.so")" in
  '$ORIGIN'*) ;;
  *) echo "fix-torchsharp: $orig: its RUNPATH does not start with \$ORIGIN, so $compat would not be found beside it" >&2; exit 1 ;;
esac
"$tmp/elf_weak_version" "$tmp/libLibTorchSharp.so" GLIBCXX_3.4.32
patchelf --add-needed "$compat" "$tmp/libLibTorchSharp.so"
# Renames are atomic: builds of several projects at once may run this together.
mv -f "$tmp/$compat" "$out/$compat"
mv -f "$tmp/libLibTorchSharp.so" "$lib"
