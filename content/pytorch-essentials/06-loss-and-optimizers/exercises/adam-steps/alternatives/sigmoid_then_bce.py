import torch
from torch import nn


def adam_steps(weight, bias, x, y, lr, steps):
    model = nn.Linear(x.shape[1], 1)
    model.load_state_dict({"weight": weight, "bias": bias})
    optimizer = torch.optim.Adam(model.parameters(), lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad(set_to_none=True)
        # The same loss as BCEWithLogitsLoss on these logits, computed in two steps (other rounding).
        loss = nn.BCELoss()(torch.sigmoid(model(x)), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model.weight.detach().clone(), model.bias.detach().clone(), losses
