# fails: TinyNet(10) has the layers 10 → 16 → 8 → 1 (321 parameters), Forward pass matches the reference with given weights
import torch
from torch import nn


class TinyNet(nn.Module):
    def __init__(self, in_features=10):
        super().__init__()
        self.fc1 = nn.Linear(in_features, 16)
        self.norm = nn.LayerNorm(16)
        self.fc2 = nn.Linear(16, 8)
        self.fc3 = nn.Linear(8, 1)

    def forward(self, x):
        x = torch.relu(self.norm(self.fc1(x)))
        return torch.sigmoid(self.fc3(torch.relu(self.fc2(x))))
