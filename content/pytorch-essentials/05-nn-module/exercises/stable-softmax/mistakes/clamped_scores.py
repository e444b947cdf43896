# fails: Is numerically stable for large scores
import torch


def softmax(x):
    # No overflow, but every score above 80 counts as 80.
    e = torch.exp(x.clamp(max=80.0))
    return e / e.sum(dim=-1, keepdim=True)
