# fails: Does not use a built-in softmax
import torch


def softmax(x):
    return torch._softmax(x, -1, False)
