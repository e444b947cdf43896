import torch


def pairwise_sq_dists(a, b):
    # TODO: a - b only works when the shapes already match, and it pairs a[i] with b[i] only.
    # Reshape a to (n, 1, d) and b to (1, m, d) so that the difference has shape (n, m, d).
    diff = a - b
    return (diff ** 2).sum(dim=-1)
