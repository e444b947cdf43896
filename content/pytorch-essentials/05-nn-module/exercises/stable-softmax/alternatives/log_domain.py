from torch import exp, log, max


def softmax(x):
    # exp(s - log(sum(exp(s)))) with s = x - max: the same value, rounded differently.
    shifted = x - max(x, dim=-1, keepdim=True)[0]
    return exp(shifted - log(exp(shifted).sum(dim=-1, keepdim=True)))
