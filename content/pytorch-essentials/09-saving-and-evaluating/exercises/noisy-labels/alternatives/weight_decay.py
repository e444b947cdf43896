import torch
from torch import nn


def train(images, labels, epochs=300, lr=0.01):
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
    # L2 weight decay keeps the weights small: the network cannot bend itself round every wrong label.
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=0.01)
    losses = []
    for epoch in range(epochs):
        loss = nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses
