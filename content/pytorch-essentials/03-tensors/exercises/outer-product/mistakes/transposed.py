# fails: Matches the reference on the examples, Matches the reference on random vectors
import torch


def outer(a, b):
    # A row times a column the wrong way round: shape (m, n) instead of (n, m).
    return torch.matmul(b.reshape(-1, 1), a.reshape(1, -1))
