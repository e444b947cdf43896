import torch


def softmax(x: torch.Tensor) -> torch.Tensor:
    e = (x - torch.amax(x, dim=-1, keepdim=True)).exp()
    return e / torch.sum(e, dim=-1, keepdim=True)
