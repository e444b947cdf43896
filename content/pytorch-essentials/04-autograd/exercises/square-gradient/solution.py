import torch


def grad_of_square(x):
    x = x.detach().clone().requires_grad_(True)
    y = (x ** 2).sum()
    y.backward()
    return x.grad
