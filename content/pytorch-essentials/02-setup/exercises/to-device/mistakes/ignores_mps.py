# fails: Picks mps on a Mac
import torch


def pick_device():
    # A Mac's GPU is never chosen: the prompt asks for mps when there is no CUDA.
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(x):
    return x.to(pick_device(), torch.float32)
