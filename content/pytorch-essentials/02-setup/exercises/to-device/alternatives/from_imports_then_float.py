from torch import backends, cuda, device


def pick_device():
    if cuda.is_available():
        name = "cuda"
    elif backends.mps.is_available():
        name = "mps"
    else:
        name = "cpu"
    return device(name)


def to_device(x):
    # Two steps: move, then convert; each returns a new tensor.
    return x.to(pick_device()).float()
