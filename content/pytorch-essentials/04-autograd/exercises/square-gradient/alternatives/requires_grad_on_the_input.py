import torch


def grad_of_square(x: torch.Tensor) -> torch.Tensor:
    # The input does not require gradients yet, so tracking can be switched on in place.
    x.requires_grad_()
    y = (x ** 2).sum()
    y.backward()
    return x.grad
