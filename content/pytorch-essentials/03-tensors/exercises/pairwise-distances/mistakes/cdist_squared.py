# fails: Uses broadcasting, not loops or a ready-made distance function
import torch


def pairwise_sq_dists(a, b):
    return torch.cdist(a, b) ** 2
