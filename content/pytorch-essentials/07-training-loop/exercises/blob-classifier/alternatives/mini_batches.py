import torch
from torch import nn


def train(x, y, epochs=300, lr=0.05):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(x.shape[1], 16), nn.Tanh(), nn.Linear(16, 1))
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr / 5)
    losses = []
    for _ in range(epochs):
        order = torch.randperm(len(x))
        total = 0.0
        for batch in order.split(64):
            optimizer.zero_grad()
            loss = loss_fn(model(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        losses.append(total / len(x))  # the epoch's average over its mini-batches
    return model, losses
