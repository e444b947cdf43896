import torch


def neuron(x, w, b):
    z = x @ w + b
    return 1 / (1 + torch.exp(-z))
