import torch

REDUCTIONS = {"mean": torch.mean, "sum": torch.sum, "none": lambda t: t}


def mse(pred, target, reduction="mean"):
    if reduction not in REDUCTIONS:
        raise ValueError(reduction)
    difference = pred - target
    return REDUCTIONS[reduction](difference * difference)
