# fails: Generalises from labels of which 40% are wrong, Also with fewer images and more wrong labels
# Early stopping that ends the loop: the prompt asks for all `epochs` epochs, one loss each.
import copy

import torch
from torch import nn
from torch.utils.data import TensorDataset, random_split


def train(images, labels, epochs=300, lr=0.01, patience=20):
    train_set, val_set = random_split(TensorDataset(images, labels), [0.8, 0.2])
    train_x, train_y = train_set[:]
    val_x, val_y = val_set[:]
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    best, best_state, waited, history = float("inf"), copy.deepcopy(model.state_dict()), 0, []
    for epoch in range(epochs):
        model.train()
        optimizer.zero_grad()
        loss_fn(model(train_x), train_y).backward()
        optimizer.step()
        model.eval()
        with torch.no_grad():
            val_loss = loss_fn(model(val_x), val_y).item()
        history.append(val_loss)
        if val_loss < best:
            best, best_state, waited = val_loss, copy.deepcopy(model.state_dict()), 0
        else:
            waited += 1
            if waited >= patience:
                break
    model.load_state_dict(best_state)
    return model, history
