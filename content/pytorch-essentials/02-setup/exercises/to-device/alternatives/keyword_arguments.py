import torch


def pick_device() -> torch.device:
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def to_device(x: torch.Tensor) -> torch.Tensor:
    return x.to(device=pick_device(), dtype=torch.float32)
