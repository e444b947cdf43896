import torch


def column_grid(n, m):
    # Element [i, j] is i + j * n: a column of row numbers plus a row of column offsets.
    rows = torch.arange(n).unsqueeze(1)
    columns = torch.arange(m).unsqueeze(0)
    return rows + columns * n
