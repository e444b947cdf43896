import torch
from torch import nn


def train(images, labels, epochs=300, lr=0.01):
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
    # AdamW shrinks each weight by lr * weight_decay per step: at lr=0.01 it takes a decay of about 10
    # (a 10% pull towards zero per step) to keep the network from bending round the wrong labels.
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=10.0)
    losses = []
    for epoch in range(epochs):
        loss = nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses
