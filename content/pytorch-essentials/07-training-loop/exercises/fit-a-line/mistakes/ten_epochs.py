# fails: The loss decreases and the model predicts f(5.0) ≈ 50, Fits another line, drawn for each submission
import torch
from torch import nn


def train(x, y, epochs=200, lr=0.1):
    model = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(10):  # ignores epochs
        optimizer.zero_grad()
        loss = nn.MSELoss()(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses
