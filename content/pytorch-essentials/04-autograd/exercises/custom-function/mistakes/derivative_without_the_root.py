# fails: Gradients match the reference (x of shape 5), gradcheck on random inputs (backward agrees with finite differences)
import torch


class SmoothAbs(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.sqrt(x * x + 1) - 1

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * x / (x * x + 1)


def smooth_abs(x):
    return SmoothAbs.apply(x)
