# fails: Matches the examples, Matches the reference on random point sets, Works when the point sets have different sizes and dimensions
import torch


def pairwise_sq_dists(a, b):
    diff = a[:, None, :] - b[None, :, :]
    return diff.sum(dim=-1) ** 2
