#!/usr/bin/env python3
"""One-frame `vivify animate` runs of several builds, alternated, with the medians of their VIVIFY_TRACE marks.

    python3 bench/animate/one_frame_ab.py INPUTS ROUNDS LABEL=ENV@PROGRAM ...

INPUTS holds source.png, driving1.mp4 (one frame) and random-vox.pth.tar, as `make bench ARGS="animate --process-only"`
leaves them in its work folder. PROGRAM is a checkout's ./vivify launcher (ending in /vivify) or a vivify.dll;
ENV is VAR=VALUE pairs separated by ';' (THREADS=none leaves out --threads, else --threads THREADS, default 2).
Each round runs every build once, one after the other, so a machine whose speed drifts slows them alike.
Example: main=@/path/main/src/Vivify.Cli/bin/Release/net10.0/vivify.dll new=@/path/new/vivify
"""
import os, re, statistics, subprocess, sys, time

def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    inputs, rounds, builds = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    config = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "configs", "vox-adv-256.yaml")
    out = os.path.join(inputs, "one-frame-ab.mp4")
    results = {b: [] for b in builds}
    for _ in range(rounds):
        for b in builds:
            label, rest = b.split("=", 1)
            envs, program = rest.rsplit("@", 1)
            env = dict(os.environ, VIVIFY_TRACE="1")
            for kv in filter(None, envs.split(";")):
                k, v = kv.split("=", 1)
                env[k] = v
            args = [program] if program.endswith("/vivify") else ["dotnet", program]
            args += ["animate", "-q"]
            if env.get("THREADS", "2") != "none":
                args += ["--threads", env.get("THREADS", "2")]
            args += ["-s", f"{inputs}/source.png", "-d", f"{inputs}/driving1.mp4", "-c", f"{inputs}/random-vox.pth.tar",
                     "--config", config, "-o", out, "--frame", "whole"]
            start = time.time()
            p = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M"] + args, env=env, capture_output=True, text=True)
            wall = time.time() - start
            if os.path.exists(out):
                os.remove(out)
            if p.returncode != 0:
                sys.exit(f"{label} failed: {p.stderr[-500:]}")
            marks = {"wall": wall * 1000}
            for line in p.stderr.splitlines():
                m = re.match(r"vivify-trace:\s+(\d+) ms (.*?)(:.*)? \[", line)
                if m:
                    marks[m.group(2)] = int(m.group(1))
                m = re.match(r"MAXRSS (\d+)", line)
                if m:
                    marks["peak MB"] = int(m.group(1)) / 1024
            results[b].append(marks)
    keys = ["checkpoint read", "models built", "source prepared", "1 frame animated", "exit", "wall", "peak MB"]
    print("build | " + " | ".join(keys))
    for b in builds:
        print(b.split("=", 1)[0] + " | " + " | ".join(
            f"{statistics.median(r.get(k, 0) for r in results[b]):.0f}" for k in keys))

if __name__ == "__main__":
    main()
