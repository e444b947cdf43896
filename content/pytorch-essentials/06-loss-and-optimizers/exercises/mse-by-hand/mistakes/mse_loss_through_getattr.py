# fails: Does not use PyTorch's MSE loss
import torch

LOSS = "mse" + "_loss"


def mse(pred, target, reduction="mean"):
    return getattr(torch.nn.functional, LOSS)(pred, target, reduction=reduction)
