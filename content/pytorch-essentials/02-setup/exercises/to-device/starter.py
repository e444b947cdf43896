import torch


def pick_device():
    # TODO: return torch.device("cuda") only when CUDA is available, then try MPS, then fall back
    # to the CPU. Hard-coding "cuda" crashes on machines without a GPU.
    return torch.device("cuda")


def to_device(x):
    # TODO: move x to pick_device() and convert it to float32, then return the result.
    x.to(pick_device())
    return x
