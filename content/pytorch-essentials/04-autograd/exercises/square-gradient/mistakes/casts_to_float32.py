# fails: Returns dy/dx on random tensors
import torch


def grad_of_square(x):
    x = x.float().requires_grad_(True)  # a float64 input comes back as float32
    (x ** 2).sum().backward()
    return x.grad
