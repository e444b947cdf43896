# fails: The loss decreases and held-out accuracy is at least 95%, Also works with 5 input features and blobs placed elsewhere
import torch
from torch import nn


class FirstFeature(nn.Module):
    """A model that ignores every feature but the first."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, x):
        return self.linear(x[:, :1])


def train(x, y, epochs=300, lr=0.05):
    model = FirstFeature()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses
