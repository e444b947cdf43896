# fails: The loss decreases and held-out accuracy is at least 95%, Also works with 5 input features and blobs placed elsewhere
import torch
from torch import nn


class Bias(nn.Module):
    """Ignores its input: the same logit for every point."""

    def __init__(self):
        super().__init__()
        self.logit = nn.Parameter(torch.tensor([1.0]))

    def forward(self, x):
        return self.logit.expand(len(x), 1)


def train(x, y, epochs=300, lr=0.05):
    model = Bias()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = nn.BCEWithLogitsLoss()(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses
