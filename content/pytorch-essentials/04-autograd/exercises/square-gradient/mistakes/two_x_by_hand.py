# fails: Computes the gradient with backward()
import torch


def grad_of_square(x):
    # Calculus, not autograd (a y.backward() in a comment or "backward" in a string does not count).
    return 2 * x
