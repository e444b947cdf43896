# fails: Generalises from labels of which 40% are wrong, Also with fewer images and more wrong labels
import torch
from torch import nn


def train(images, labels, epochs=300, lr=0.01):
    # Every epoch on every image, nothing held back: the network memorises the wrong labels.
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for epoch in range(epochs):
        loss = nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses
