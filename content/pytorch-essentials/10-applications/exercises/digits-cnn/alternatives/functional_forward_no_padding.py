import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3)        # 8x8 -> 6x6
        self.conv2 = nn.Conv2d(16, 32, 3)       # 6x6 -> 4x4
        self.pool = nn.MaxPool2d(2)             # 4x4 -> 2x2
        self.fc = nn.Linear(32 * 2 * 2, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc(torch.flatten(x, 1))


def train(images, labels, epochs=15, lr=0.005, batch_size=64):
    model = Net()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for epoch in range(epochs):
        for batch_images, batch_labels in DataLoader(TensorDataset(images, labels), batch_size, shuffle=True):
            loss = F.cross_entropy(model(batch_images), batch_labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            losses.append(F.cross_entropy(model(images), labels).item())
    return model, losses
