# fails: Matches the examples (values, shape and int64 dtype), Handles other sizes, including a single row or column
import torch


def column_grid(n, m):
    # Transposing an (n, m) grid gives shape (m, n).
    return torch.arange(n * m).reshape(n, m).T
