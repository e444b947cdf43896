# fails: Learns the digits (92% on held-out images), Also learns them with other settings and fewer images
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class DigitsDataset(Dataset):
    def __init__(self, images, labels):
        self.images, self.labels = images, labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.images[index], self.labels[index]


def train(images, labels, epochs=20, lr=0.005, batch_size=64):
    loader = DataLoader(DigitsDataset(images, labels), batch_size=batch_size, shuffle=True)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    # Re-creates the iterator every epoch and trains on its first batch only: 64 images, not 1000.
    losses = []
    for epoch in range(epochs):
        batch_images, batch_labels = next(iter(loader))
        loss = loss_fn(model(batch_images), batch_labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses
