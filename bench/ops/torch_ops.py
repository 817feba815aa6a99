"""The same operations as bench/Vivify.Bench/OpsBench.cs, measured with this Python's torch.

Prints one JSON object: {"torch": version, "threads": n, "results": {"Conv2d/float32": seconds, ...}}.
Each figure is the median of repeated timed batches after warm-up, as BenchmarkDotNet's mean is of its
iterations; run by OpsReport in the same process run as the .NET side.
"""
import json
import statistics
import sys
import time

import torch


def timeit(fn, min_time=0.5, batches=7):
    for _ in range(3):
        fn()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time / batches:
            break
        n *= 2
    samples = []
    for _ in range(batches):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t0) / n)
    return statistics.median(samples)


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads()
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    out = {}
    for name, dt in (("float32", torch.float32), ("bfloat16", torch.bfloat16)):
        x = torch.randn(1, 256, 64, 64).to(dt)
        w = (torch.randn(256, 256, 3, 3) * 0.02).to(dt)
        a = torch.randn(2048, 2048).to(dt)
        b = torch.randn(2048, 2048).to(dt)
        tiny = torch.ones(4).to(dt)
        with torch.no_grad():
            out["Conv2d/" + name] = timeit(lambda: torch.nn.functional.conv2d(x, w, padding=1))
            out["Matmul/" + name] = timeit(lambda: a @ b)
            out["TinyAdd/" + name] = timeit(lambda: tiny + tiny)
    print(json.dumps({"torch": torch.__version__, "threads": threads, "results": out}))


if __name__ == "__main__":
    main()
