#!/usr/bin/env bash
# Vivify: make TorchSharp 0.107.0's native layer load on distributions whose libstdc++ predates GCC 13.
#
# libLibTorchSharp.so references exactly one symbol that libstdc++ 12 (Debian 12) lacks,
# _ZSt21ios_base_library_initv@GLIBCXX_3.4.32. Two changes to the copy in a build output fix it:
#   1. its needed-version entry GLIBCXX_3.4.32 is marked weak (VER_FLG_WEAK), so the loader does
#      not refuse the library for that version alone;
#   2. libvivify_glibcxx_compat.so, which defines that symbol as an empty function (libstdc++ 12
#      initialises iostreams itself), is added as a DT_NEEDED entry; the library's RUNPATH
#      already starts with $ORIGIN, so it is found beside it.
# Does nothing where the system libstdc++ has GLIBCXX_3.4.32, or where the copy is already fixed.
# The NuGet cache is never modified: the output's file (possibly a hard link) is replaced.
set -euo pipefail
dir=${1:?usage: fix-torchsharp.sh NATIVE_DIR}
lib="$dir/libLibTorchSharp.so"
compat=libvivify_glibcxx_compat.so
here=$(cd "$(dirname "$0")" && pwd)

libstdcxx=$( (/sbin/ldconfig -p 2>/dev/null || ldconfig -p) | awk '/libstdc\+\+\.so\.6 .*x86-64/ && !f {print $NF; f=1}')
if [ -n "$libstdcxx" ] && grep -a 'GLIBCXX_3\.4\.32' "$libstdcxx" >/dev/null; then
  exit 0  # system libstdc++ is new enough: package untouched
fi
need() { command -v "$1" >/dev/null || { echo "fix-torchsharp: '$1' is missing; install it with: sudo apt-get install -y $2 (or run 'make setup')" >&2; exit 1; }; }
need patchelf patchelf
need gcc gcc

if patchelf --print-needed "$lib" | grep -x "$compat" >/dev/null && [ -f "$dir/$compat" ]; then
  exit 0  # already fixed
fi

cache="$here/../.cache/native-fix"
mkdir -p "$cache"
if [ ! -x "$cache/elf_weak_version" ] || [ "$here/elf_weak_version.c" -nt "$cache/elf_weak_version" ]; then
  gcc -O2 -o "$cache/elf_weak_version.tmp.$$" "$here/elf_weak_version.c" && mv -f "$cache/elf_weak_version.tmp.$$" "$cache/elf_weak_version"
fi
if [ ! -f "$cache/$compat" ] || [ "$here/glibcxx_compat.c" -nt "$cache/$compat" ]; then
  gcc -shared -fPIC -nostdlib -O2 -Wl,--version-script="$here/glibcxx_compat.map" -Wl,-soname,$compat \
      -o "$cache/$compat.tmp.$$" "$here/glibcxx_compat.c" && mv -f "$cache/$compat.tmp.$$" "$cache/$compat"
fi

tmp="$lib.vivify-tmp.$$"
trap 'rm -f "$tmp"' EXIT
cp -f "$lib" "$tmp"           # a new inode: a hard-linked NuGet cache file stays as it is
chmod u+w "$tmp"
if ! patchelf --print-needed "$tmp" | grep -x "$compat" >/dev/null; then
  "$cache/elf_weak_version" "$tmp" GLIBCXX_3.4.32
  patchelf --add-needed "$compat" "$tmp"
fi
cp -f "$cache/$compat" "$dir/$compat.tmp.$$" && mv -f "$dir/$compat.tmp.$$" "$dir/$compat"
mv -f "$tmp" "$lib"
trap - EXIT
