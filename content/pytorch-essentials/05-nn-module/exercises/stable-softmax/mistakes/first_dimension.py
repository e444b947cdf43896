# fails: Matches the examples, Works along the last dimension of random tensors of any rank and float dtype
import torch


def softmax(x):
    e = torch.exp(x - x.max(dim=0, keepdim=True).values)
    return e / e.sum(dim=0, keepdim=True)
