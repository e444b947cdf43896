# fails: Does not use a built-in softmax
from torch.distributions import Categorical


def softmax(x):
    # The distribution normalises its logits with PyTorch's own softmax.
    return Categorical(logits=x).probs
