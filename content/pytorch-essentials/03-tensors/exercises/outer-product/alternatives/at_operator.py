import torch


def outer(a, b):
    # A column (n, 1) times a row (1, m) with the @ operator.
    return a.unsqueeze(1) @ b.unsqueeze(0)
