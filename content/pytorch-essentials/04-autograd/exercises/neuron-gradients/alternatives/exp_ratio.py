import torch


def neuron(x, w, b):
    # sigmoid(z) = exp(z) / (1 + exp(z)): the same function, rounded differently.
    z = (x * w).sum(dim=1) + b
    e = torch.exp(z)
    return e / (1 + e)
