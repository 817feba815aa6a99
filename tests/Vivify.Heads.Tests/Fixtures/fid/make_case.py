#!/usr/bin/env python3
"""Writes case.pt, the parity case of Vivify's FID Inception network and Fréchet distance (see README.md).

Needs Debian's python3-torch and a checkout of torch-fidelity (https://github.com/toshas/torch-fidelity), whose
Inception blocks are the TensorFlow FID graph's, the same as pytorch-fid's FIDInception* blocks:

    /usr/bin/python3 make_case.py --torch-fidelity /path/to/torch-fidelity --out case.pt

Weights are not stored: every state-dict entry k (in the network's order) holds formula values that the C# test
computes too: a hash of (i, k) in float64, u = frac(43758.5453 sin(12.9898 i + 78.233 k)), scaled per kind of
entry and cast to float32 (see formula()).
"""
import argparse
import importlib
import math
import os
import sys
import types

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def formula(k, name, shape, fan_in):
    n = int(np.prod(shape))
    # A hash of (i, k) in float64: u uniform in [0, 1), v with mean 0 and variance 1 (not smooth in i, so that
    # the filters do not cancel on smooth inputs).
    s = torch.sin(torch.arange(n, dtype=torch.float64) * 12.9898 + 78.233 * k) * 43758.5453
    u = s - torch.floor(s)
    v = (u - 0.5) * math.sqrt(12)
    if name.endswith('conv.weight'):
        w = v * math.sqrt(2.0 / fan_in)
    elif name.endswith('bn.weight'):
        w = 1 + 0.1 * v
    elif name.endswith('bn.bias'):
        w = 0.1 * v
    elif name.endswith('running_mean'):
        w = 0.05 * v
    elif name.endswith('running_var'):
        w = 1 + 0.2 * u
    else:
        raise ValueError(name)
    return w.to(torch.float32).reshape(shape)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--torch-fidelity', required=True)
    p.add_argument('--out', required=True)
    a = p.parse_args()
    # The package's __init__ imports its CLIP extractor, which needs torchvision; the Inception module does not.
    package = types.ModuleType('torch_fidelity')
    package.__path__ = [os.path.join(a.torch_fidelity, 'torch_fidelity')]
    sys.modules['torch_fidelity'] = package
    tf = importlib.import_module('torch_fidelity.feature_extractor_inceptionv3')

    class Reference(nn.Module):
        """pytorch-fid's InceptionV3 (output block 3) with torch-fidelity's FID blocks."""
        def __init__(self):
            super().__init__()
            self.Conv2d_1a_3x3 = tf.BasicConv2d(3, 32, kernel_size=3, stride=2)
            self.Conv2d_2a_3x3 = tf.BasicConv2d(32, 32, kernel_size=3)
            self.Conv2d_2b_3x3 = tf.BasicConv2d(32, 64, kernel_size=3, padding=1)
            self.Conv2d_3b_1x1 = tf.BasicConv2d(64, 80, kernel_size=1)
            self.Conv2d_4a_3x3 = tf.BasicConv2d(80, 192, kernel_size=3)
            self.Mixed_5b = tf.InceptionA(192, pool_features=32)
            self.Mixed_5c = tf.InceptionA(256, pool_features=64)
            self.Mixed_5d = tf.InceptionA(288, pool_features=64)
            self.Mixed_6a = tf.InceptionB(288)
            self.Mixed_6b = tf.InceptionC(768, channels_7x7=128)
            self.Mixed_6c = tf.InceptionC(768, channels_7x7=160)
            self.Mixed_6d = tf.InceptionC(768, channels_7x7=160)
            self.Mixed_6e = tf.InceptionC(768, channels_7x7=192)
            self.Mixed_7a = tf.InceptionD(768)
            self.Mixed_7b = tf.InceptionE_1(1280)
            self.Mixed_7c = tf.InceptionE_2(2048)

        def forward(self, x):
            # pytorch-fid: resize_input, normalize_input, blocks 0..3
            x = F.interpolate(x, size=(299, 299), mode='bilinear', align_corners=False)
            x = 2 * x - 1
            x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
            x = F.max_pool2d(x, kernel_size=3, stride=2)
            x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))
            x = F.max_pool2d(x, kernel_size=3, stride=2)
            for m in [self.Mixed_5b, self.Mixed_5c, self.Mixed_5d, self.Mixed_6a, self.Mixed_6b, self.Mixed_6c,
                      self.Mixed_6d, self.Mixed_6e, self.Mixed_7a, self.Mixed_7b, self.Mixed_7c]:
                x = m(x)
            return F.adaptive_avg_pool2d(x, (1, 1)).flatten(1)

    net = Reference().eval()
    state = net.state_dict()
    new = {}
    k = 0
    fan = {}
    for name, t in state.items():
        if name.endswith('num_batches_tracked'):
            new[name] = t
            continue
        if name.endswith('conv.weight'):
            fan_in = t.shape[1] * t.shape[2] * t.shape[3]
        new[name] = formula(k, name, tuple(t.shape), fan_in)
        k += 1
    net.load_state_dict(new)

    g = torch.Generator().manual_seed(5)
    images = torch.rand(3, 3, 64, 48, generator=g)
    with torch.no_grad():
        features = net(images)

    # The Fréchet distance on small features, with an independent square root: numpy's general eigendecomposition
    # of S1 S2 (as scipy.linalg.sqrtm would give on these well-conditioned covariances).
    f1 = torch.randn(40, 6, generator=g, dtype=torch.float64)
    f2 = torch.randn(50, 6, generator=g, dtype=torch.float64) * 1.5 + 0.3
    f2[:, 0] += f2[:, 1]
    def stats(f):
        f = f.numpy()
        return f.mean(0), np.cov(f, rowvar=False)
    m1, s1 = stats(f1)
    m2, s2 = stats(f2)
    w, v = np.linalg.eig(s1 @ s2)
    covmean = (v @ np.diag(np.sqrt(w.astype(complex))) @ np.linalg.inv(v)).real
    fid = float(((m1 - m2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))

    torch.save({'images': images, 'features': features, 'keys': [n for n in new if not n.endswith('num_batches_tracked')],
                'f1': f1, 'f2': f2, 'fid': torch.tensor(fid, dtype=torch.float64)}, a.out)
    print('features', features.shape, features.abs().mean().item(), 'fid', fid)


if __name__ == '__main__':
    main()
