import torch
import torch.nn.functional as F
from torch import nn


def train(x, y, epochs=300, lr=0.05):
    model = nn.Linear(x.shape[1], 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss)  # 0-d tensors are accepted as well as floats
    return model, losses
