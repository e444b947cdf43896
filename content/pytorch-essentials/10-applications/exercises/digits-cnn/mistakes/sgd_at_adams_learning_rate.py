# fails: Reaches 94% on held-out digits, Also with other settings and fewer images
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def train(images, labels, epochs=15, lr=0.005, batch_size=64):
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(128, 10),
    )
    loader = DataLoader(TensorDataset(images, labels), batch_size=batch_size, shuffle=True)
    loss_fn = nn.CrossEntropyLoss()
    # Plain SGD at Adam's learning rate: after 15 epochs the network has barely moved.
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for epoch in range(epochs):
        total = 0.0
        for batch_images, batch_labels in loader:
            loss = loss_fn(model(batch_images), batch_labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch_labels)
        losses.append(total / len(labels))
    return model, losses
