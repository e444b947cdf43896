# fails: Returns the data as float32 on the chosen device, Keeps the values and shape of a float64 batch
import torch


def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(x):
    # A detour through int64 drops every fraction: 1.5 becomes 1.0.
    return x.long().to(pick_device(), torch.float32)
