# fails: Does not use a built-in softmax
import torch.nn.functional as F


def softmax(x):
    return F.softmax(x, dim=-1)
