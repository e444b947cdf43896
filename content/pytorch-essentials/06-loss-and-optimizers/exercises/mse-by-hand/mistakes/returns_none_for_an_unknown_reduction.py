# fails: Refuses an unknown reduction with a ValueError
import torch


def mse(pred, target, reduction="mean"):
    squared = (pred - target) ** 2
    if reduction == "mean":
        return squared.mean()
    if reduction == "sum":
        return squared.sum()
    if reduction == "none":
        return squared
