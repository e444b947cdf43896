import torch


def column_grid(n, m):
    return torch.arange(n * m).reshape(m, n).T
