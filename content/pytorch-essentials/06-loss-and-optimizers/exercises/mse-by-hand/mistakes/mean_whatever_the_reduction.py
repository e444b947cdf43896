# fails: reduction='sum' and reduction='none' match the examples, All three reductions match on random batches
import torch


def mse(pred, target, reduction="mean"):
    return ((pred - target) ** 2).mean()
