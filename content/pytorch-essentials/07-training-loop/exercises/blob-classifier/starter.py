import torch
from torch import nn


def train(x, y, epochs=300, lr=0.05):
    # TODO: read the number of features from x instead of assuming 2.
    model = nn.Linear(2, 1)  # outputs logits: no sigmoid, BCEWithLogitsLoss applies it
    loss_fn = nn.BCEWithLogitsLoss()
    # TODO: create an optimizer for the model's parameters.
    losses = []
    for epoch in range(epochs):
        # TODO: zero the gradients, compute the loss, backpropagate and take an optimizer step.
        with torch.no_grad():
            losses.append(loss_fn(model(x), y).item())
    return model, losses
