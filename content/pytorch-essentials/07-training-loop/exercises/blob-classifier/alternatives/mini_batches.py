import torch
from torch import nn


def train(x, y, epochs=300, lr=0.05):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(x.shape[1], 16), nn.Tanh(), nn.Linear(16, 1))
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        for batch in torch.randperm(len(x)).split(64):
            optimizer.zero_grad()
            loss = loss_fn(model(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
        with torch.no_grad():  # the loss of the model as the epoch leaves it, on all the training points
            losses.append(loss_fn(model(x), y).item())
    return model, losses
