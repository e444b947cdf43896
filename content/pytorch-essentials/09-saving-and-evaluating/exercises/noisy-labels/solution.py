import copy

import torch
from torch import nn


def train(images, labels, epochs=300, lr=0.01):
    # Early stopping: a fifth of the images as a validation set, the best epoch's weights kept.
    order = torch.randperm(len(labels))
    validation, training = order[: len(labels) // 5], order[len(labels) // 5:]
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    best_loss, best_state, losses = float("inf"), None, []
    for epoch in range(epochs):
        model.train()
        loss = loss_fn(model(images[training]), labels[training])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            validation_loss = loss_fn(model(images[validation]), labels[validation]).item()
        losses.append(validation_loss)
        if validation_loss < best_loss:
            best_loss, best_state = validation_loss, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    return model, losses
