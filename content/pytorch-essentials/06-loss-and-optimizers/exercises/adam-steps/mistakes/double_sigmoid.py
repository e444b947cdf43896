# fails: Matches the reference on the example, Matches the reference on random data, learning rates and step counts
import torch
from torch import nn


def adam_steps(weight, bias, x, y, lr, steps):
    model = nn.Linear(weight.shape[1], 1)
    with torch.no_grad():
        model.weight.copy_(weight)
        model.bias.copy_(bias)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.BCEWithLogitsLoss()(torch.sigmoid(model(x)), y)  # the loss applies the sigmoid itself
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model.weight.detach().clone(), model.bias.detach().clone(), losses
