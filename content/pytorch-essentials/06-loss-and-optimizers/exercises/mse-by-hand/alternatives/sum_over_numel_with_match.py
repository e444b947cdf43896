import torch


def mse(pred: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    squared = torch.square(pred - target)
    match reduction:
        case "none":
            return squared
        case "sum":
            return torch.sum(squared)
        case "mean":
            return torch.sum(squared) / squared.numel()
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
