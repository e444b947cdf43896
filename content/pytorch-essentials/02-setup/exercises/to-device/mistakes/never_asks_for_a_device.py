# fails: Asks PyTorch which device is available
import torch


def pick_device():
    # torch.cuda.is_available() would be the right question: a comment is not a call.
    return torch.device("cpu")


def to_device(x):
    return x.to(pick_device(), torch.float32)
