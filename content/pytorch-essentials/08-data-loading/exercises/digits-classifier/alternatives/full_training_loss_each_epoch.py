import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class DigitsDataset(Dataset):
    def __init__(self, images, labels, transform=None):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        image = self.images[index]
        return (self.transform(image) if self.transform else image), self.labels[index]


def train(images, labels, epochs=20, lr=0.005, batch_size=64):
    dataset = DigitsDataset(images, labels)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, drop_last=False)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for epoch in range(epochs):
        model.train()
        for batch_images, batch_labels in loader:
            optimizer.zero_grad()
            loss_fn(model(batch_images), batch_labels).backward()
            optimizer.step()
        # The loss of the model as it now is, on the whole training set.
        model.eval()
        with torch.no_grad():
            losses.append(loss_fn(model(images), labels).item())
    return model, losses
