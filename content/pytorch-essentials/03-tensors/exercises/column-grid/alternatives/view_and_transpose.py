import torch


def column_grid(n: int, m: int) -> torch.Tensor:
    return torch.arange(n * m, dtype=torch.int64).view(m, n).transpose(0, 1)
