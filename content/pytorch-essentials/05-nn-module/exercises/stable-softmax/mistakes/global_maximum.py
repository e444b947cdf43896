# fails: Is numerically stable for large scores
import torch


def softmax(x):
    # One maximum for the whole tensor: a row far below it underflows to 0 / 0.
    e = torch.exp(x - x.max())
    return e / e.sum(dim=-1, keepdim=True)
