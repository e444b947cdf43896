# fails: The loss decreases and the model predicts f(5.0) ≈ 50, Fits another line, drawn for each submission
import torch
from torch import nn


class Constant(nn.Module):
    """Ignores its input: one learnt number for every x."""

    def __init__(self):
        super().__init__()
        self.value = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return self.value.expand(len(x), 1)


def train(x, y, epochs=200, lr=0.1):
    model = Constant()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = nn.MSELoss()(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses
