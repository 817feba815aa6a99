"""Writes case.pt: tensors whose storages torch.save shares or does not fill, for ChannelsLastLoadTests.

    /usr/bin/python3 make_case.py   (Debian's python3-torch)
"""
import torch

w = torch.arange(2 * 3 * 3 * 3, dtype=torch.float32).reshape(2, 3, 3, 3)
big = torch.arange(5 * 3 * 3 * 3, dtype=torch.float32).reshape(5, 3, 3, 3)
case = {
    "shared": w,                                # one storage, two tensors
    "first": w[0:1],
    "part": big[1:3].clone()[0:1],              # [1,3,3,3] alone, but not filling its storage (two filters)
    "offset": big[2:4],                         # alone in a view with a storage offset
    "alone": torch.arange(4 * 3 * 3 * 3, dtype=torch.float32).reshape(4, 3, 3, 3) * 0.5,
    "transposed": torch.arange(3 * 4 * 3 * 3, dtype=torch.float32).reshape(3, 4, 3, 3).transpose(0, 1),
    "pointwise": torch.ones(4, 3, 1, 1),
    "bias": torch.ones(4),
}
torch.save(case, "case.pt")
