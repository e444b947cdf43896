# fails: Implements the Function itself
import torch


class SmoothAbs(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.x = x  # instead of ctx.save_for_backward(x), which checks that x was not modified in place
        return torch.sqrt(x * x + 1) - 1

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.x / torch.sqrt(ctx.x * ctx.x + 1)


def smooth_abs(x):
    return SmoothAbs.apply(x)
