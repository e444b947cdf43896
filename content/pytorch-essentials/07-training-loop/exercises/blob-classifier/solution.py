import torch
from torch import nn


def train(x, y, epochs=300, lr=0.05):
    model = nn.Sequential(
        nn.Linear(x.shape[1], 8), nn.ReLU(),
        nn.Linear(8, 1),
    )
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses
