# fails: Returns the data as float32 on the chosen device, Works on random batches of any dtype, Keeps the values and shape of a float64 batch
import torch


def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(x):
    return x.to(pick_device()).half()
