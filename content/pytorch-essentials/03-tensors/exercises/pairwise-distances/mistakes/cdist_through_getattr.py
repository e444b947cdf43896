# fails: Uses broadcasting, not loops or a ready-made distance function
import torch

DISTANCE = "cd" + "ist"


def pairwise_sq_dists(a, b):
    return getattr(torch, DISTANCE)(a, b) ** 2
