"""Times the published First Order Motion Model inference (demo.py's make_animation) for bench/animate.

Vivify's own driver, not published code: it imports the published modules from the folder named by
FOMM_PUBLISHED_DIR (a checkout of github.com/AliaksandrSiarohin/first-order-model), builds the models
from the config as demo.py's load_checkpoints does (cpu), loads the checkpoint that Vivify wrote in the
published layout, and runs demo.make_animation(relative=True, adapt_movement_scale=False, cpu=True) on
the frames Vivify saved, after one warm-up call on the first two frames. Peak memory: the highest resident
set during warm-up and timed call above the resident set before them (freed heap trimmed first).

Usage: python3 fomm_published.py CONFIG CHECKPOINT FRAMES_PT THREADS
Prints one JSON object: torch version, threads, frames, seconds, frames_per_second, peak_extra_mb.
"""
import json
import os
import sys
import time
import types


def stub_missing(name, **attrs):
    """demo.py and animate.py import packages that the timed loop never uses (video I/O, progress
    bars, face alignment, scipy's convex hull for --adapt_scale); stand-ins are installed only for
    those that this Python lacks."""
    try:
        __import__(name)
    except ImportError:
        module = types.ModuleType(name)
        for key, value in attrs.items():
            setattr(module, key, value)
        sys.modules[name] = module
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, module)


def rss_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM (peak resident set) to the current resident set
    except OSError:
        pass


def main():
    config_path, checkpoint_path, frames_path, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    published = os.environ.get("FOMM_PUBLISHED_DIR")
    if not published or not os.path.isfile(os.path.join(published, "demo.py")):
        print(json.dumps({"error": "FOMM_PUBLISHED_DIR is not set to a first-order-model checkout (with demo.py)"}))
        return 3
    sys.path.insert(0, published)

    import torch
    import yaml

    torch.set_num_threads(threads)
    identity = lambda iterable, *a, **k: iterable
    stub_missing("tqdm", tqdm=identity)
    stub_missing("tqdm.auto", tqdm=identity)
    stub_missing("imageio")
    stub_missing("skimage", img_as_ubyte=None)
    stub_missing("skimage.transform", resize=None)
    stub_missing("ffmpeg")
    stub_missing("scipy")
    stub_missing("scipy.spatial", ConvexHull=None)
    stub_missing("frames_dataset", PairedDataset=None)
    stub_missing("logger", Logger=None, Visualizer=None)

    import demo
    from modules.generator import OcclusionAwareGenerator
    from modules.keypoint_detector import KPDetector

    with open(config_path) as f:
        config = yaml.safe_load(f)
    params = config["model_params"]
    generator = OcclusionAwareGenerator(**params["generator_params"], **params["common_params"])
    kp_detector = KPDetector(**params["kp_detector_params"], **params["common_params"])
    checkpoint = torch.load(checkpoint_path, map_location=torch.device("cpu"))
    generator.load_state_dict(checkpoint["generator"])
    kp_detector.load_state_dict(checkpoint["kp_detector"])
    generator.eval()
    kp_detector.eval()

    frames = torch.load(frames_path)  # {"source": [3,H,W], "driving": [N,3,H,W]} float32 in [0,1]
    source_image = frames["source"].permute(1, 2, 0).numpy()
    driving_video = [f.permute(1, 2, 0).numpy() for f in frames["driving"]]

    try:
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # freed heap back to the system before the baseline
    except (OSError, AttributeError):
        pass
    base = rss_kb("VmRSS")
    reset_peak()
    demo.make_animation(source_image, driving_video[:2], generator, kp_detector, relative=True, adapt_movement_scale=False, cpu=True)
    start = time.perf_counter()
    predictions = demo.make_animation(source_image, driving_video, generator, kp_detector, relative=True, adapt_movement_scale=False, cpu=True)
    seconds = time.perf_counter() - start
    peak = rss_kb("VmHWM")
    assert len(predictions) == len(driving_video)
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "frames": len(driving_video),
        "seconds": seconds,
        "frames_per_second": len(driving_video) / seconds,
        "peak_extra_mb": max(0, peak - base) / 1024.0,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
