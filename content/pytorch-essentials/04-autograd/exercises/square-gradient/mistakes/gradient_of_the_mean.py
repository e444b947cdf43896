# fails: Returns dy/dx on the examples, Returns dy/dx on random tensors
import torch


def grad_of_square(x):
    x = x.detach().clone().requires_grad_(True)
    (x ** 2).mean().backward()
    return x.grad
