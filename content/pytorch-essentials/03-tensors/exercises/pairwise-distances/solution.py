import torch


def pairwise_sq_dists(a, b):
    diff = a[:, None, :] - b[None, :, :]
    return (diff ** 2).sum(dim=-1)
