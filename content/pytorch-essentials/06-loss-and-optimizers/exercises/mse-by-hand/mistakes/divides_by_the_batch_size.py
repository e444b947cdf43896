# fails: reduction='mean' matches the examples, All three reductions match on random batches
import torch


def mse(pred, target, reduction="mean"):
    squared = (pred - target) ** 2
    if reduction == "mean":
        return squared.sum() / len(pred)  # the number of rows, not of elements
    if reduction == "sum":
        return squared.sum()
    return squared
