# fails: Learns the digits (92% on held-out images)
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
    # A softmax before nn.CrossEntropyLoss: the loss applies log-softmax again, so the model outputs
    # probabilities, not logits, and its cross-entropy can never get low.
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10), nn.Softmax(dim=1))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
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
