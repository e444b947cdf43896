# fails: TinyNet(10) has the layers 10 → 16 → 8 → 1 (321 parameters), Forward pass matches the reference with given weights
from torch import nn


class TinyNet(nn.Module):
    def __init__(self, in_features=10):
        super().__init__()
        # The right layers, but their parameters are named layers.0.weight, ... instead of fc1.weight.
        self.layers = nn.Sequential(nn.Linear(in_features, 16), nn.ReLU(), nn.Linear(16, 8), nn.ReLU(),
                                    nn.Linear(8, 1), nn.Sigmoid())

    def forward(self, x):
        return self.layers(x)
