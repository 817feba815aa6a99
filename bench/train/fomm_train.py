"""Training steps per second of the published first-order-model code, as bench/Vivify.Bench/TrainReport.cs measures Vivify.

usage: fomm_train.py FOMM_CODE CONFIG BATCH WARMUP STEPS THREADS  ->  {"steps_per_second": x}

FOMM_CODE is a checkout of the published code (never part of this repository). The iteration is train.py's:
GeneratorFullModel, backward, Adam steps for generator and keypoint detector, DiscriminatorFullModel, backward,
discriminator Adam step; random frames. The perceptual Vgg19 asks torchvision for pretrained weights; for timing
they do not matter, so an untrained torchvision VGG19 is used (or, without torchvision, the same layer layout).
"""
import json
import sys
import time
import types

import torch
import yaml


def untrained_vgg19_module():
    from torch import nn

    def vgg19(pretrained=False, **_):
        cfg = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M']
        layers, c = [], 3
        for v in cfg:
            if v == 'M':
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU(inplace=True)]
                c = v
        return types.SimpleNamespace(features=nn.Sequential(*layers))

    return types.SimpleNamespace(vgg19=vgg19)


def main():
    code, config_path, batch, warmup, steps, threads = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:7])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    sys.path.insert(0, code)
    try:
        import torchvision  # noqa: F401
    except ImportError:
        sys.modules['torchvision'] = types.SimpleNamespace(models=untrained_vgg19_module())
    import modules.model as model
    model.models = untrained_vgg19_module()
    from modules.generator import OcclusionAwareGenerator
    from modules.keypoint_detector import KPDetector
    from modules.discriminator import MultiScaleDiscriminator

    with open(config_path) as f:
        config = yaml.safe_load(f)
    mp, tp = config['model_params'], config['train_params']
    generator = OcclusionAwareGenerator(**mp['generator_params'], **mp['common_params'])
    kp_detector = KPDetector(**mp['kp_detector_params'], **mp['common_params'])
    discriminator = MultiScaleDiscriminator(**mp['discriminator_params'], **mp['common_params'])
    opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_k = torch.optim.Adam(kp_detector.parameters(), lr=2e-4, betas=(0.5, 0.999))
    generator_full = model.GeneratorFullModel(kp_detector, generator, discriminator, tp)
    discriminator_full = model.DiscriminatorFullModel(kp_detector, generator, discriminator, tp)
    h, w = config['dataset_params']['frame_shape'][:2]
    x = {'source': torch.rand(batch, 3, h, w), 'driving': torch.rand(batch, 3, h, w)}

    def step():
        losses, generated = generator_full(x)
        sum(v.mean() for v in losses.values()).backward()
        opt_g.step(); opt_g.zero_grad()
        opt_k.step(); opt_k.zero_grad()
        if tp['loss_weights']['generator_gan'] != 0:  # as the published train.py: no discriminator step without the GAN
            opt_d.zero_grad()
            losses_d = discriminator_full(x, generated)
            sum(v.mean() for v in losses_d.values()).backward()
            opt_d.step(); opt_d.zero_grad()

    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    print(json.dumps({'steps_per_second': steps / (time.perf_counter() - t0), 'torch': torch.__version__}))


if __name__ == '__main__':
    main()
