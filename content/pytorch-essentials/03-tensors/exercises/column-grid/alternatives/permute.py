from torch import arange


def column_grid(n, m):
    return arange(n * m).reshape(m, n).permute(1, 0)
