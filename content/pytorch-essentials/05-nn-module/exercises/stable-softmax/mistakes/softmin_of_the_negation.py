# fails: Does not use a built-in softmax
import torch


def softmax(x):
    return torch.nn.functional.softmin(-x, dim=-1)
