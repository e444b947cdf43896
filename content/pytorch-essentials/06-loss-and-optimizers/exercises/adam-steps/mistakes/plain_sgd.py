# fails: Matches the reference on the example, Matches the reference on random data, learning rates and step counts, Uses the Adam optimizer
import torch
from torch import nn


def adam_steps(weight, bias, x, y, lr, steps):
    model = nn.Linear(weight.shape[1], 1)
    with torch.no_grad():
        model.weight.copy_(weight)
        model.bias.copy_(bias)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.BCEWithLogitsLoss()(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model.weight.detach().clone(), model.bias.detach().clone(), losses
