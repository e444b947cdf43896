# fails: The loss decreases and held-out accuracy is at least 95%, Also works with 5 input features and blobs placed elsewhere
import torch
from torch import nn


def train(x, y, epochs=300, lr=0.05):
    # Probabilities where the prompt asks for logits: every output is above 0, so all count as class 1.
    model = nn.Sequential(nn.Linear(x.shape[1], 1), nn.Sigmoid())
    loss_fn = nn.BCELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses
