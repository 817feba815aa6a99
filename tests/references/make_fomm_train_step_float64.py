#!/usr/bin/python3
"""Runs one training step of the published First Order Motion Model code in float64 on the inputs of
tests/fixtures/fomm/train-case.pt and saves the exact (float64) losses, outputs and gradients.

Usage (Debian's python3-torch; the published repository checked out anywhere, not in this repository):
    /usr/bin/python3 tests/references/make_fomm_train_step_float64.py \
        --published /path/to/first-order-model --out tests/references/fomm/train-step-float64.pt

The published code imports torchvision (for VGG19) and its own sync_batchnorm package; both are replaced here by
stand-ins written for this script: VGG19's layout with the fixtures' formula weights (tests/fixtures/fomm/README.md),
and plain BatchNorm2d, which SynchronizedBatchNorm2d equals on one process.
"""
import argparse, math, os, sys, tempfile, textwrap

STANDINS = {
    "torchvision/__init__.py": "from . import models\n",
    "torchvision/models.py": textwrap.dedent('''
        import math, torch
        from torch import nn
        class _Vgg(nn.Module):
            pass
        def vgg19(pretrained=False):
            """VGG19's features with the fixtures' formula weights instead of pretrained ones."""
            cfg = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M']
            layers, c, j = [], 3, 0
            for v in cfg:
                if v == 'M':
                    layers.append(nn.MaxPool2d(2, 2))
                    continue
                conv = nn.Conv2d(c, v, 3, padding=1)
                n = torch.arange(conv.weight.numel(), dtype=torch.float64)
                conv.weight.data = (math.sqrt(2 / (c * 9)) * torch.sin(12.9898 * n + 78.233 * j)).float().view_as(conv.weight)
                conv.bias.data = (0.01 * torch.cos(torch.arange(v, dtype=torch.float64) + j)).float()
                layers += [conv, nn.ReLU(inplace=True)]
                c, j = v, j + 1
            vgg = _Vgg()
            vgg.features = nn.Sequential(*layers)
            return vgg
        '''),
    "sync_batchnorm/__init__.py": "from torch.nn import BatchNorm2d as SynchronizedBatchNorm2d\n"
                                  "from torch.nn import DataParallel as DataParallelWithCallback\n",
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--published", required=True, help="checkout of AliaksandrSiarohin/first-order-model")
    ap.add_argument("--fixtures", default=os.path.join(here, "..", "fixtures", "fomm"))
    ap.add_argument("--out", default=os.path.join(here, "fomm", "train-step-float64.pt"))
    args = ap.parse_args()
    if not os.path.isfile(os.path.join(args.published, "modules", "keypoint_detector.py")):
        sys.exit("%s: not a checkout of the published first-order-model (no modules/keypoint_detector.py): pass its folder with --published" % args.published)
    for name in ("tiny.yaml", "checkpoint-legacy.pth.tar", "train-case.pt"):
        if not os.path.isfile(os.path.join(args.fixtures, name)):
            sys.exit("%s: missing %s: pass the fomm fixtures folder with --fixtures" % (args.fixtures, name))

    standins = tempfile.mkdtemp(prefix="fomm-standins-")
    for rel, text in STANDINS.items():
        os.makedirs(os.path.join(standins, os.path.dirname(rel)), exist_ok=True)
        with open(os.path.join(standins, rel), "w") as f:
            f.write(text)
    sys.path[:0] = [standins, args.published]

    import torch, yaml
    from modules.keypoint_detector import KPDetector
    from modules.generator import OcclusionAwareGenerator
    from modules.discriminator import MultiScaleDiscriminator
    import modules.model as model

    dtype = torch.float64
    config = yaml.safe_load(open(os.path.join(args.fixtures, "tiny.yaml")))
    mp, tp = config["model_params"], config["train_params"]
    checkpoint = torch.load(os.path.join(args.fixtures, "checkpoint-legacy.pth.tar"), map_location="cpu")
    case = torch.load(os.path.join(args.fixtures, "train-case.pt"), map_location="cpu")
    fixed = case["transform"]

    def fixed_transform(self, bs, **kwargs):  # the fixture's random TPS transform instead of a new random one
        self.theta = fixed["theta"].to(dtype)
        self.bs = bs
        self.tps = True
        self.control_points = fixed["control_points"].to(dtype)
        self.control_params = fixed["control_params"].to(dtype)
    model.Transform.__init__ = fixed_transform

    kp = KPDetector(**mp["kp_detector_params"], **mp["common_params"])
    gen = OcclusionAwareGenerator(**mp["generator_params"], **mp["common_params"])
    disc = MultiScaleDiscriminator(**mp["discriminator_params"], **mp["common_params"])
    kp.load_state_dict(checkpoint["kp_detector"])
    gen.load_state_dict(checkpoint["generator"])
    disc.load_state_dict(checkpoint["discriminator"])
    generator_full = model.GeneratorFullModel(kp, gen, disc, tp).to(dtype)
    discriminator_full = model.DiscriminatorFullModel(kp, gen, disc, tp).to(dtype)
    kp.train(); gen.train(); disc.train()

    x = {"source": case["source"].to(dtype), "driving": case["driving"].to(dtype)}
    losses, generated = generator_full(x)
    sum(v.mean() for v in losses.values()).backward()
    grads = {}
    for prefix, module in (("kp_detector.", kp), ("generator.", gen)):
        for name, p in module.named_parameters():
            if p.grad is not None:
                grads[prefix + name] = p.grad.detach().clone()
    disc.zero_grad()
    disc_losses = discriminator_full(x, generated)
    disc_losses["disc_gan"].backward()
    for name, p in disc.named_parameters():
        if p.grad is not None:
            grads["discriminator." + name] = p.grad.detach().clone()

    result = {
        "losses": {k: v.detach().mean().clone() for k, v in list(losses.items()) + list(disc_losses.items())},
        "prediction": generated["prediction"].detach().clone(),
        "transformed_frame": generated["transformed_frame"].detach().clone(),
        "grads": grads,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.save(result, args.out)
    print("wrote %s: %d gradients, losses %s (torch %s)" % (args.out, len(grads),
          {k: round(float(v), 6) for k, v in result["losses"].items()}, torch.__version__))


if __name__ == "__main__":
    main()
