# fails: Also works with 5 input features and blobs placed elsewhere
import torch
from torch import nn


def train(x, y, epochs=300, lr=0.05):
    model = nn.Linear(2, 1)  # the visible check's 2 features, whatever x holds
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = nn.BCEWithLogitsLoss()(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses
