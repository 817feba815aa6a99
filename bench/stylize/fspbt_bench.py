"""Runs the published few-shot patch-based training code on the benchmark's data, for bench/stylize.

This is Vivify's own driver; the published code (github.com/OndrejTexler/Few-Shot-Patch-Based-Training) is not
part of Vivify and is imported from the folder given by --published (FSPBT_PUBLISHED_DIR). From it we use, unchanged:
models.GeneratorJ / DiscriminatorN_IN / PerceptualVGG19, data.DatasetPatches_M / DatasetFullImages, and the loss code
of trainers.Trainer (compute_discriminator_loss, compute_generator_loss). Our loop repeats the body of
Trainer.train (discriminator step, generator step on reconstruction + perception + adversarial) for a wall-time
budget instead of a number of epochs, without its logging, intermediate test renders and model saving.

torchvision and scipy are not installed here, and the published modules import them only for ToTensor / Normalize /
Compose (reimplemented below with torchvision's arithmetic), a mask blur that training never calls, and
vgg19(pretrained=True), which would download weights: the shim builds torchvision's VGG19 layer layout and loads
`features.*` from the file given with --vgg19 (e.g. vgg19-dcbb9e9d.pth); without it no perceptual term is used.

Modes:
  train: --data DIR (train/input_filtered, train/output, train/mask, frames/) --budgets 2,4 --out DIR
         prints one JSON line per budget: {"budget", "steps", "train_seconds", "dir"}; stylized frames in DIR/bNN/.
  fps:   --fps --width 640 --height 480 --batch 4 --dtype float32|bfloat16 [--frames DIR]
         prints {"fps", "frames", "seconds"} for the reference_P generator in eval mode, on random frames or on the
         PNG frames in DIR (one batch of all of them).
"""
import argparse
import json
import os
import sys
import time
import types

import numpy as np
import torch
import torch.nn as nn
import yaml
from PIL import Image

VGG19_CFG = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M']


def install_shims(vgg19_path):
    tv = types.ModuleType('torchvision')
    transforms = types.ModuleType('torchvision.transforms')
    models = types.ModuleType('torchvision.models')

    class Compose:
        def __init__(self, ts):
            self.ts = ts

        def __call__(self, x):
            for t in self.ts:
                x = t(x)
            return x

    class ToTensor:
        def __call__(self, pic):
            a = torch.from_numpy(np.array(pic, np.uint8, copy=True))
            if a.dim() == 2:
                a = a.unsqueeze(2)
            return a.permute(2, 0, 1).contiguous().to(torch.get_default_dtype()).div(255)

    class Normalize:
        def __init__(self, mean, std):
            self.mean = torch.tensor(mean).view(-1, 1, 1)
            self.std = torch.tensor(std).view(-1, 1, 1)

        def __call__(self, t):
            return t.sub(self.mean).div(self.std)

    class ToPILImage:
        def __call__(self, t):
            raise RuntimeError('not used by the benchmark')

    transforms.Compose, transforms.ToTensor, transforms.Normalize, transforms.ToPILImage = Compose, ToTensor, Normalize, ToPILImage

    class VGG(nn.Module):
        def __init__(self):
            super().__init__()
            layers, c = [], 3
            for v in VGG19_CFG:
                if v == 'M':
                    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
                else:
                    layers += [nn.Conv2d(c, v, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
                    c = v
            self.features = nn.Sequential(*layers)
            self.classifier = nn.Sequential()

    def vgg19(pretrained=False, **kwargs):
        m = VGG()
        if pretrained:
            if not vgg19_path:
                raise RuntimeError('VGG19 weights requested but no --vgg19 file was given')
            state = torch.load(vgg19_path, map_location='cpu')
            m.features.load_state_dict({k[len('features.'):]: v for k, v in state.items() if k.startswith('features.')})
        return m

    models.vgg19 = vgg19
    tv.transforms, tv.models = transforms, models
    scipy = types.ModuleType('scipy')
    ndimage = types.ModuleType('scipy.ndimage')
    ndimage.gaussian_filter = lambda *a, **k: (_ for _ in ()).throw(RuntimeError('not used by the benchmark'))
    scipy.ndimage = ndimage
    sys.modules.update({'torchvision': tv, 'torchvision.transforms': transforms, 'torchvision.models': models,
                        'scipy': scipy, 'scipy.ndimage': ndimage})


def load_job(published):
    with open(os.path.join(published, '_config', 'reference_P.yaml')) as f:
        return yaml.load(f, Loader=yaml.FullLoader)['job']


def stylize_frames(generator, DatasetFullImages, frames_dir, out_dir):
    """Their inference (generate.py): eval mode, one frame at a time, (clamp + 1) * 127.5 truncated to 8 bits."""
    os.makedirs(out_dir, exist_ok=True)
    dataset = DatasetFullImages(frames_dir, 'ignore', 'ignore', 'cpu', *([None] * 9))
    generator.eval()
    with torch.no_grad():
        for i in range(len(dataset)):
            item = dataset[i]
            out = generator(item['pre'].unsqueeze(0))
            im = ((out.clamp(-1, 1) + 1) * 127.5).permute((0, 2, 3, 1)).cpu().numpy().astype(np.uint8)[0]
            Image.fromarray(im).save(os.path.join(out_dir, item['file_name']))


def train(args):
    import data
    import models
    from trainers import Trainer

    job = load_job(args.published)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    g_args = dict(job['generator']['args'], input_channels=3)
    generator = models.GeneratorJ(**g_args)
    discriminator = models.DiscriminatorN_IN(**job['discriminator']['args'])
    opt_g = torch.optim.Adam(generator.parameters(), **job['opt_generator']['args'])
    opt_d = torch.optim.Adam(discriminator.parameters(), **job['opt_discriminator']['args'])
    perception, p_weight = None, job['perception_loss']['weight']
    if args.vgg19:
        pm = job['perception_loss']['perception_model']
        perception = models.PerceptualVGG19(**pm['args'])

    d = dict(job['training_dataset'])
    d.pop('type')
    root = os.path.join(args.data, 'train')
    dataset = data.DatasetPatches_M(os.path.join(root, d['dir_pre']), os.path.join(root, d['dir_post']),
                                    os.path.join(root, d['dir_mask']), d['patch_size'], 'cpu', *([None] * 9))
    batch_size = job['trainer']['batch_size']
    loader = torch.utils.data.DataLoader(dataset, batch_size, shuffle=False, num_workers=args.num_workers, drop_last=True)
    tr = job['trainer']
    trainer = Trainer(train_loader=loader, data_for_dataloader=d, opt_discriminator=opt_d, opt_generator=opt_g,
                      reconstruction_criterion=getattr(nn, tr['reconstruction_criterion'])(),
                      adversarial_criterion=getattr(nn, tr['adversarial_criterion'])(),
                      reconstruction_weight=tr['reconstruction_weight'], adversarial_weight=tr['adversarial_weight'],
                      log_interval=1, scalar_logger=None, model_logger=None, perception_loss_model=perception,
                      perception_loss_weight=p_weight, use_image_loss=tr['use_image_loss'], device='cpu')
    trainer.use_adversarial_loss = True

    budgets = [float(b) for b in args.budgets.split(',')]
    spent, steps = 0.0, 0
    batches = None
    for k, budget in enumerate(budgets):
        t0 = time.perf_counter()
        while True:
            try:
                batch = next(batches)  # the first call starts the loader (and its worker) on the clock
            except (StopIteration, TypeError):
                batches = iter(loader)
                batch = next(batches)
            # The body of Trainer.train, one batch.
            generator.train()
            discriminator.train()
            opt_d.zero_grad()
            d_loss = trainer.compute_discriminator_loss(generator, discriminator, batch)
            d_loss.backward()
            opt_d.step()
            opt_g.zero_grad()
            image_loss, perc_loss, adv_loss, _ = trainer.compute_generator_loss(generator, discriminator, batch, use_gan=True, use_mask=False)
            g_loss = tr['reconstruction_weight'] * image_loss + p_weight * perc_loss + tr['adversarial_weight'] * adv_loss
            g_loss.backward()
            opt_g.step()
            # Their loop reads every loss with .item() for its log.
            [v.item() for v in (d_loss, image_loss, perc_loss, adv_loss, g_loss) if isinstance(v, torch.Tensor)]
            steps += 1
            if spent + (time.perf_counter() - t0) >= budget:
                break
        spent += time.perf_counter() - t0
        out_dir = os.path.join(args.out, 'b%02d' % k)
        stylize_frames(generator, data.DatasetFullImages, os.path.join(args.data, 'frames'), out_dir)
        print(json.dumps({'budget': budget, 'steps': steps, 'train_seconds': spent, 'dir': out_dir}), flush=True)


def fps(args):
    import models
    job = load_job(args.published)
    torch.manual_seed(args.seed)
    generator = models.GeneratorJ(**dict(job['generator']['args'], input_channels=3)).eval()
    dtype = {'float32': torch.float32, 'bfloat16': torch.bfloat16}[args.dtype]
    generator = generator.to(dtype)
    if args.frames:  # the clip's frames (PNG), as generate.py reads them: ToTensor, then Normalize to [-1, 1]
        names = sorted(n for n in os.listdir(args.frames) if n.endswith('.png'))
        to_tensor, normalize = sys.modules['torchvision.transforms'].ToTensor(), sys.modules['torchvision.transforms'].Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
        x = torch.stack([normalize(to_tensor(Image.open(os.path.join(args.frames, n)).convert('RGB'))) for n in names]).to(dtype)
        args.batch = x.shape[0]
    else:
        x = torch.rand(args.batch, 3, args.height, args.width).mul(2).sub(1).to(dtype)
    with torch.no_grad():
        generator(x)
        frames, t0 = 0, time.perf_counter()
        while frames < args.min_frames or time.perf_counter() - t0 < args.min_seconds:
            generator(x)
            frames += args.batch
        seconds = time.perf_counter() - t0
    print(json.dumps({'fps': frames / seconds, 'frames': frames, 'seconds': seconds}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--published', default=os.environ.get('FSPBT_PUBLISHED_DIR'))
    p.add_argument('--threads', type=int, default=torch.get_num_threads())
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--vgg19', default=None)
    p.add_argument('--data')
    p.add_argument('--budgets', default='2')
    p.add_argument('--out')
    p.add_argument('--num-workers', type=int, default=1, help='DataLoader workers (the published reference_P uses 1)')
    p.add_argument('--fps', action='store_true')
    p.add_argument('--width', type=int, default=640)
    p.add_argument('--height', type=int, default=480)
    p.add_argument('--batch', type=int, default=4)
    p.add_argument('--dtype', default='float32')
    p.add_argument('--min-frames', type=int, default=8)
    p.add_argument('--min-seconds', type=float, default=3.0)
    p.add_argument('--frames', default=None, help='fps on these PNG frames (one batch) instead of random ones')
    args = p.parse_args()
    if not args.published or not os.path.isfile(os.path.join(args.published, 'models.py')):
        sys.exit('fspbt_bench: the published code was not found: set FSPBT_PUBLISHED_DIR (or --published) to its folder')
    torch.set_num_threads(args.threads)
    install_shims(args.vgg19)
    sys.path.insert(0, args.published)
    fps(args) if args.fps else train(args)


if __name__ == '__main__':
    main()
