import torch


def pairwise_sq_dists(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    # |a_i - b_j|^2 = |a_i|^2 + |b_j|^2 - 2 a_i . b_j: no (n, m, d) intermediate, other rounding.
    a_norms = (a * a).sum(dim=1, keepdim=True)
    b_norms = (b * b).sum(dim=1, keepdim=True)
    return a_norms + b_norms.T - 2 * a @ b.T
