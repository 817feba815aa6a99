#!/usr/bin/env bash
# Checks the packages that `make pack` wrote to artifacts/, as a stranger would use them:
#   1. every library package (Vivify.Core, .Torch, .Media, .Motion, .Stylize, .Faces, .Heads) holds its assembly, XML docs and
#      README, and names its licence (MIT) and repository; Vivify.Torch also holds the Debian 12 fix (buildTransitive);
#   2. `dotnet tool install --tool-path DIR Vivify.Tool` from artifacts/ installs the `vivify` tool, and `DIR/vivify info`
#      runs (it starts libtorch); the tool names the ASP.NET Core shared framework, and `DIR/vivify serve` starts and
#      answers its health check;
#   3. each consumer program under build/pack-check/ (one folder, one project: a PackageReference to a Vivify package
#      and nothing else) is copied out of the repository, restored from artifacts/ and built (torch) or published for
#      linux-x64 (motion), and run: it must compute with torch, with libvivify_glibcxx_compat.so loaded where this
#      machine's libstdc++ lacks GLIBCXX_3.4.32 (the fix reached the consumer's output through the package);
#   4. the torch consumer built with VivifyGlibcxxCompat=false fails to start libtorch there (the check is not vacuous);
#   5. with VIVIFY_PACK_CHECK_DEBIAN=1 (root, debootstrap, a Debian mirror): the published motion consumer in a fresh
#      Debian 12 and a Debian 13 made by debootstrap (see step 5 below).
# Vivify's packages come only from artifacts/ (package source mapping) into a fresh packages folder; their
# dependencies from the machine's NuGet cache where it has them. Ends with 'pack-check: N passed, N failed'.
# usage: build/pack-check.sh [CONSUMER_DIR...]   (default: every folder under build/pack-check/)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
art=$root/artifacts
libs=(Core Torch Media Motion Stylize Faces Heads)
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "pack-check: ok   $*"; }
bad() { failed=$((failed + 1)); echo "pack-check: FAIL $*" >&2; }

nupkg=$(ls "$art"/Vivify.Torch.[0-9]*.nupkg 2>/dev/null | head -1)
[ -n "$nupkg" ] || { echo "pack-check: no Vivify.Torch package in $art: run 'make pack' first" >&2; exit 1; }
version=$(basename "$nupkg" .nupkg); version=${version#Vivify.Torch.}

# 1. package contents
for l in "${libs[@]}"; do
  p="$art/Vivify.$l.$version.nupkg"
  [ -f "$p" ] || { bad "Vivify.$l.$version.nupkg is missing"; continue; }
  files=$(unzip -Z1 "$p")
  spec=$(unzip -p "$p" "Vivify.$l.nuspec")
  missing=""
  for f in "lib/net10.0/Vivify.$l.dll" "lib/net10.0/Vivify.$l.xml" README.md; do
    grep -qx "$f" <<<"$files" || missing+=" $f"
  done
  if [ "$l" = Torch ]; then
    for f in buildTransitive/net10.0/Vivify.Torch.targets buildTransitive/net10.0/linux-x64/libLibTorchSharp.so \
             buildTransitive/net10.0/linux-x64/libvivify_glibcxx_compat.so THIRD-PARTY-NOTICES.txt; do
      grep -qx "$f" <<<"$files" || missing+=" $f"
    done
  fi
  grep -q '<license type="expression">MIT</license>' <<<"$spec" || missing+=" licence"
  grep -q '<repository type="git" url="[^"]' <<<"$spec" || missing+=" repository"
  grep -q '<readme>README.md</readme>' <<<"$spec" || missing+=" readme"
  if [ -z "$missing" ]; then ok "Vivify.$l $version: assembly, XML docs, README, MIT, repository"; else bad "Vivify.$l $version lacks:$missing"; fi
done
for p in "Vivify.Tool.$version.nupkg" "Vivify.Tool.linux-x64.$version.nupkg"; do
  [ -f "$art/$p" ] && ok "$p ($(du -m "$art/$p" | cut -f1) MB)" || bad "$p is missing"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vivify-pack-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
cache=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
# Vivify.* only from artifacts/; everything else from this machine's sources, reusing its cache.
mapfile -t urls < <(dotnet nuget list source --format short | awk '$1 == "E" {print $2}')
{
  echo '<?xml version="1.0" encoding="utf-8"?>'
  echo '<configuration>'
  echo "  <config><add key=\"globalPackagesFolder\" value=\"$tmp/packages\" /></config>"
  echo "  <fallbackPackageFolders><add key=\"machine-cache\" value=\"$cache\" /></fallbackPackageFolders>"
  echo "  <packageSources><clear /><add key=\"vivify-artifacts\" value=\"$art\" />"
  for i in "${!urls[@]}"; do echo "    <add key=\"source-$i\" value=\"${urls[$i]}\" />"; done
  echo '  </packageSources>'
  echo '  <packageSourceMapping>'
  echo '    <packageSource key="vivify-artifacts"><package pattern="Vivify.*" /></packageSource>'
  for i in "${!urls[@]}"; do echo "    <packageSource key=\"source-$i\"><package pattern=\"*\" /></packageSource>"; done
  echo '  </packageSourceMapping>'
  echo '</configuration>'
} > "$tmp/NuGet.config"
needs_fix=true
libstdcxx=$( (/sbin/ldconfig -p 2>/dev/null || ldconfig -p) | awk '/libstdc\+\+\.so\.6 .*x86-64/ && !f {print $NF; f=1}')
if [ -n "$libstdcxx" ] && grep -qa 'GLIBCXX_3\.4\.32' "$libstdcxx"; then needs_fix=false; fi
want_compat=$([ "$needs_fix" = true ] && echo loaded || echo "not loaded")

# 2. the tool
cat > "$tmp/tool.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources><clear /><add key="vivify-artifacts" value="$art" /></packageSources>
</configuration>
EOF
start=$SECONDS
if dotnet tool install --tool-path "$tmp/tool" --configfile "$tmp/tool.config" Vivify.Tool --version "$version" >"$tmp/tool.log" 2>&1; then
  if "$tmp/tool/vivify" info >"$tmp/info.log" 2>&1 && grep -q '^libtorch ' "$tmp/info.log"; then
    ok "dotnet tool install Vivify.Tool $version + vivify info ($((SECONDS - start)) s): $(grep -E '^(vivify|libtorch) ' "$tmp/info.log" | tr -s ' ' | paste -sd ';')"
  else
    bad "vivify info failed:"; cat "$tmp/info.log" >&2
  fi
  # `vivify serve` needs the ASP.NET Core shared framework: the tool must name it (its runtimeconfig.json), and the
  # installed tool must start the server and answer its health check (help alone would load no ASP.NET Core code).
  config_json=$(find "$tmp/tool/.store" -name vivify.runtimeconfig.json | head -1)
  if [ -n "$config_json" ] && grep -q '"Microsoft.AspNetCore.App"' "$config_json"; then
    ok "the tool's runtimeconfig.json names the ASP.NET Core shared framework"
  else
    bad "the tool's runtimeconfig.json ($config_json) does not name Microsoft.AspNetCore.App"
  fi
  if "$tmp/tool/vivify" serve --help >"$tmp/serve-help.log" 2>&1 && grep -q -- '--max-upload-mb' "$tmp/serve-help.log"; then
    ok "vivify serve --help"
  else
    bad "vivify serve --help failed:"; cat "$tmp/serve-help.log" >&2
  fi
  "$tmp/tool/vivify" serve --port 0 --data "$tmp/serve-data" >"$tmp/serve.log" 2>&1 &
  serve_pid=$!
  address=""
  for _ in $(seq 1 120); do
    address=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$tmp/serve.log" | head -1)
    [ -n "$address" ] || ! kill -0 "$serve_pid" 2>/dev/null && break
    sleep 0.5
  done
  health=$([ -n "$address" ] && curl -s --max-time 10 "$address/api/health" || true)
  kill -TERM "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null  # TERM: a background job ignores SIGINT
  if grep -q '"ok"' <<<"$health"; then ok "vivify serve from the installed tool: $address/api/health answered $health"
  else bad "vivify serve from the installed tool did not answer its health check:"; cat "$tmp/serve.log" >&2; fi
else
  bad "dotnet tool install Vivify.Tool $version failed:"; cat "$tmp/tool.log" >&2
fi

# 3. consumers
consumers=("$@")
[ ${#consumers[@]} -gt 0 ] || consumers=("$root"/build/pack-check/*/)
for dir in "${consumers[@]}"; do
  name=$(basename "$dir")
  work="$tmp/consumers/$name"
  mkdir -p "$work" && cp -r "$dir"/. "$work"/
  start=$SECONDS
  if [ "$name" = motion ]; then   # publish for linux-x64: the publish path of the fix (files beside the app)
    run_dir="$work/out"
    step=(dotnet publish "$work" -c Release -r linux-x64 --self-contained false -o "$run_dir" -p:VivifyVersion="$version" -nologo -v q)
  else                            # build: the build-output path of the fix (runtimes/linux-x64/native)
    run_dir="$work/bin/Release/net10.0"
    step=(dotnet build "$work" -c Release -p:VivifyVersion="$version" -nologo -v q)
  fi
  if ! "${step[@]}" >"$work.log" 2>&1; then bad "$name: ${step[1]} failed:"; cat "$work.log" >&2; continue; fi
  dll=$(ls "$run_dir"/*.dll | grep -i "PackCheck" | head -1)
  if out=$(dotnet "$dll" 2>&1) && grep -qx "glibcxx compat: $want_compat" <<<"$out"; then
    ok "$name: ${step[1]} + run ($((SECONDS - start)) s): $(paste -sd ';' <<<"$out")"
  else
    bad "$name: the program failed or the compat library is not '$want_compat':"; echo "$out" >&2
  fi
done

# 4. the control: the torch consumer without the fix fails to load libtorch where it is needed (and runs where not)
work="$tmp/consumers/torch"
if [ -d "$work" ] && dotnet build "$work" -c Release -p:VivifyVersion="$version" -p:VivifyGlibcxxCompat=false -nologo -v q >"$work.off.log" 2>&1; then
  # (in a subshell whose stderr is the log: the shell reports the abort of a program that cannot load libtorch)
  if (dotnet "$work/bin/Release/net10.0/PackCheckTorch.dll"; exit $?) >"$work.off.run" 2>&1; then off=runs
  elif grep -q 'Failed to load native component LibTorchSharp' "$work.off.run"; then off=fails
  else off="fails for another reason ($(tail -1 "$work.off.run"))"; fi
  want_off=$([ "$needs_fix" = true ] && echo fails || echo runs)
  if [ "$off" = "$want_off" ]; then ok "torch with VivifyGlibcxxCompat=false $off here, as expected"
  else bad "torch with VivifyGlibcxxCompat=false $off here, expected it to be $want_off"; fi
fi

# 5. (VIVIFY_PACK_CHECK_DEBIAN=1; root, debootstrap and a Debian mirror) the published motion consumer in a fresh
#    Debian 12 (minbase: no gcc, no patchelf) and a Debian 13 (libstdc++ with GLIBCXX_3.4.32), with and without the fix.
#    The systems are kept under build/.cache/debian/; the .NET runtime is mounted in.
if [ "${VIVIFY_PACK_CHECK_DEBIAN:-}" = 1 ] && [ -d "$tmp/consumers/motion/out" ]; then
  work="$tmp/consumers/motion"
  dotnet publish "$work" -c Release -r linux-x64 --self-contained false -o "$work/off" -p:VivifyVersion="$version" \
    -p:VivifyGlibcxxCompat=false -nologo -v q >"$work.off.log" 2>&1 || bad "motion: publish with VivifyGlibcxxCompat=false failed"
  dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  umount_debian() { local m; for m in proc opt/dotnet opt/app; do mountpoint -q "$sys/$m" && umount "$sys/$m"; done; return 0; }
  for suite in bookworm trixie; do
    sys="$root/build/.cache/debian/$suite"
    if [ ! -x "$sys/usr/bin/env" ]; then
      rm -rf "$sys" && mkdir -p "$(dirname "$sys")"
      debootstrap --variant=minbase "$suite" "$sys" http://deb.debian.org/debian >"$tmp/debootstrap-$suite.log" 2>&1 \
        || { bad "debootstrap $suite failed (see $tmp/debootstrap-$suite.log)"; continue; }
    fi
    for variant in out off; do
      mkdir -p "$sys/opt/app" "$sys/opt/dotnet"
      # read-only bind mounts, unmounted on any exit (a later rm -rf of build/.cache must never reach the .NET install)
      trap 'umount_debian; rm -rf "$tmp"' EXIT
      mount --bind "$work/$variant" "$sys/opt/app" && mount -o remount,bind,ro "$sys/opt/app" \
        && mount --bind "$dotnet_root" "$sys/opt/dotnet" && mount -o remount,bind,ro "$sys/opt/dotnet" && mount -t proc proc "$sys/proc"
      (chroot "$sys" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 \
        /opt/dotnet/dotnet /opt/app/PackCheckMotion.dll; exit $?) >"$tmp/$suite-$variant.log" 2>&1
      rc=$?
      umount_debian
      tools=$(chroot "$sys" sh -c 'for t in gcc patchelf; do command -v $t >/dev/null && echo $t; done' | paste -sd ' ')
      label="Debian $(cat "$sys/etc/debian_version") ($(basename "$(readlink "$sys/usr/lib/x86_64-linux-gnu/libstdc++.so.6")")${tools:+, has $tools})"
      expect=0; [ "$suite" = bookworm ] && [ "$variant" = off ] && expect=fail
      if { [ "$expect" = 0 ] && [ $rc -eq 0 ]; } || { [ "$expect" = fail ] && [ $rc -ne 0 ]; }; then
        ok "motion $([ $variant = out ] && echo with || echo without) the fix in $label: exit $rc$([ $rc -eq 0 ] && echo "; $(tail -1 "$tmp/$suite-$variant.log")")"
      else
        bad "motion $([ $variant = out ] && echo with || echo without) the fix in $label: exit $rc, expected $expect:"; tail -3 "$tmp/$suite-$variant.log" >&2
      fi
    done
  done
fi

echo "pack-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
