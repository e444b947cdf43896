# fails: Does not use torch.outer, torch.ger or einsum
import torch


def outer(a, b):
    return torch.outer(a, b)
