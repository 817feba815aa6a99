"""Runs the published First Order Motion Model demo (demo.py's main) as a user runs it, for bench/animate.

Vivify's own driver, not published code: it executes demo.py from the folder named by FOMM_PUBLISHED_DIR
(a checkout of github.com/AliaksandrSiarohin/first-order-model) as `python demo.py --config CONFIG
--checkpoint CHECKPOINT --source_image SOURCE --driving_video VIDEO --result_video OUT --relative --cpu`
would, in this process, after torch.set_num_threads(THREADS): import, checkpoint load, reading and resizing
the picture and every frame, make_animation, writing the video. The whole process is timed from outside.

Debian's python3 has no imageio with its ffmpeg plugin and no scikit-image. Where they are missing, the
driver installs stand-ins that do what demo.py asks of them:
- imageio.imread / get_reader / mimsave: frames read from and written to ffmpeg through rgb24 pipes, as
  imageio-ffmpeg does (mimsave with imageio-ffmpeg's defaults for .mp4: libx264, yuv420p, quality 5 =
  crf 25); get_meta_data()['fps'] from ffprobe.
- skimage.transform.resize: float64 in [0, 1] (as skimage's resize returns), resampled (area average)
  only when the size differs; cheaper than skimage's zoom, which favours the published side.
- skimage.img_as_ubyte: clip, scale by 255, round.
tqdm, ffmpeg-python, scipy and the dataset/logger modules that animate.py imports get pass-through stand-ins
only when missing (the demo uses none of them without --adapt_scale, --find_best_frame or --audio).

Usage: python3 fomm_demo.py THREADS CONFIG CHECKPOINT SOURCE VIDEO OUT
"""
import json
import os
import runpy
import subprocess
import sys

import numpy as np

from fomm_published import stub_missing  # beside this file: the same stand-ins for packages the timed run never uses


def probe(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "stream=width,height,avg_frame_rate", "-of", "json", path],
                         check=True, capture_output=True, text=True).stdout
    stream = json.loads(out)["streams"][0]
    num, _, den = stream.get("avg_frame_rate", "25/1").partition("/")
    fps = float(num) / float(den or 1) if float(num) > 0 else 25.0
    return int(stream["width"]), int(stream["height"]), fps


class FfmpegReader:
    """imageio.get_reader(path) for a video: iterates HxWx3 uint8 frames."""

    def __init__(self, path):
        self.width, self.height, self.fps = probe(path)
        self.path = path

    def get_meta_data(self):
        return {"fps": self.fps, "size": (self.width, self.height)}

    def __iter__(self):
        p = subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-i", self.path, "-f", "rawvideo",
                              "-pix_fmt", "rgb24", "pipe:1"], stdout=subprocess.PIPE)
        size = self.width * self.height * 3
        try:
            while True:
                data = p.stdout.read(size)
                if len(data) < size:
                    break
                yield np.frombuffer(data, np.uint8).reshape(self.height, self.width, 3)
        finally:
            p.stdout.close()
            p.wait()

    def close(self):
        pass


def imread(path):
    return next(iter(FfmpegReader(path)))


def mimsave(path, frames, fps=10):
    frames = list(frames)
    h, w = frames[0].shape[:2]
    p = subprocess.Popen(["ffmpeg", "-y", "-v", "warning", "-f", "rawvideo", "-vcodec", "rawvideo", "-s", f"{w}x{h}",
                          "-pix_fmt", "rgb24", "-r", f"{fps:.02f}", "-i", "-", "-an", "-vcodec", "libx264",
                          "-pix_fmt", "yuv420p", "-crf", "25", path], stdin=subprocess.PIPE)
    for frame in frames:
        p.stdin.write(np.ascontiguousarray(frame[..., :3], dtype=np.uint8).tobytes())
    p.stdin.close()
    if p.wait() != 0:
        raise RuntimeError(f"ffmpeg could not write {path}")


def resize(image, output_shape):
    image = np.asarray(image, dtype=np.float64) / (255.0 if np.asarray(image).dtype == np.uint8 else 1.0)
    h, w = output_shape[:2]
    if image.shape[:2] == (h, w):
        return image
    import torch  # area average, as a stand-in for skimage's anti-aliased resize
    t = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))[None]
    return torch.nn.functional.interpolate(t, size=(h, w), mode="area")[0].permute(1, 2, 0).numpy()


def img_as_ubyte(image):
    return np.rint(np.clip(image, 0, 1) * 255).astype(np.uint8)


def main():
    threads, config, checkpoint, source, video, out = sys.argv[1:7]
    published = os.environ.get("FOMM_PUBLISHED_DIR")
    if not published or not os.path.isfile(os.path.join(published, "demo.py")):
        print("FOMM_PUBLISHED_DIR is not set to a first-order-model checkout (with demo.py)", file=sys.stderr)
        return 3
    sys.path.insert(0, published)
    import torch

    torch.set_num_threads(int(threads))
    identity = lambda iterable=None, *a, **k: iterable
    stub_missing("tqdm", tqdm=identity)
    stub_missing("tqdm.auto", tqdm=identity)
    stub_missing("imageio", imread=imread, get_reader=FfmpegReader, mimsave=mimsave, mimread=None)
    stub_missing("skimage", img_as_ubyte=img_as_ubyte, img_as_float32=None, io=None)
    stub_missing("skimage.transform", resize=resize)
    stub_missing("skimage.color", gray2rgb=None)
    stub_missing("skimage.draw", disk=None)
    stub_missing("ffmpeg")
    stub_missing("scipy")
    stub_missing("scipy.spatial", ConvexHull=None)
    stub_missing("frames_dataset", PairedDataset=None)
    stub_missing("logger", Logger=None, Visualizer=None)
    sys.argv = ["demo.py", "--config", config, "--checkpoint", checkpoint, "--source_image", source,
                "--driving_video", video, "--result_video", out, "--relative", "--cpu"]
    runpy.run_path(os.path.join(published, "demo.py"), run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
