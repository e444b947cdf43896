# fails: Uses the Adam optimizer
import torch
from torch import nn


def adam_steps(weight, bias, x, y, lr, steps, betas=(0.9, 0.999), eps=1e-8):
    # Adam's update rule written out: right numbers, but not the torch.optim optimizer the exercise is about.
    params = [weight.clone().requires_grad_(), bias.clone().requires_grad_()]
    moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
    losses = []
    for step in range(1, steps + 1):
        loss = nn.functional.binary_cross_entropy_with_logits(x @ params[0].T + params[1], y)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g, (m, v) in zip(params, grads, moments):
                m.mul_(betas[0]).add_(g, alpha=1 - betas[0])
                v.mul_(betas[1]).addcmul_(g, g, value=1 - betas[1])
                m_hat = m / (1 - betas[0] ** step)
                v_hat = v / (1 - betas[1] ** step)
                p -= lr * m_hat / (v_hat.sqrt() + eps)
        losses.append(loss.item())
    return params[0].detach(), params[1].detach(), losses
