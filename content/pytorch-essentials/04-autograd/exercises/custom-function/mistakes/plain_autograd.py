# fails: Implements the Function itself
import torch


def smooth_abs(x):
    # Right values and gradients, but autograd derives them: no Function, no backward written.
    return torch.sqrt(x * x + 1) - 1
