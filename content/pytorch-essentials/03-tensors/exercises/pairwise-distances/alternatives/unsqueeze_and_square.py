import torch


def pairwise_sq_dists(a, b):
    diff = a.unsqueeze(1) - b.unsqueeze(0)
    return torch.square(diff).sum(dim=2)
