import torch
from torch import nn


def train(x, y, epochs=200, lr=0.1):
    model = nn.Linear(1, 1)
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for epoch in range(epochs):
        predictions = model(x)
        loss = loss_fn(predictions, y)
        # TODO: reset the gradients, backpropagate the loss and update the parameters.
        losses.append(loss.item())
    return model, losses
