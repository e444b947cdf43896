# fails: Does not use torch.outer, torch.ger or einsum
from torch import einsum as contract


def outer(a, b):
    return contract("i,j->ij", a, b)
