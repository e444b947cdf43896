from torch import Tensor


def outer(a: Tensor, b: Tensor) -> Tensor:
    # Broadcasting a column (n, 1) against a row (1, m) multiplies every pair.
    return a[:, None] * b[None, :]
