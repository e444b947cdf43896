import torch


def outer(a, b):
    return torch.matmul(a.reshape(-1, 1), b.reshape(1, -1))
