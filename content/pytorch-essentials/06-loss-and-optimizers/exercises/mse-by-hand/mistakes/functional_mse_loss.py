# fails: Does not use PyTorch's MSE loss
import torch.nn.functional as F


def mse(pred, target, reduction="mean"):
    return F.mse_loss(pred, target, reduction=reduction)
