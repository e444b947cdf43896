import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        # TODO: two Conv2d + ReLU + MaxPool2d(2) blocks (8x8 -> 4x4 -> 2x2), then a Linear to 10 logits.
        self.classifier = nn.Linear(64, 10)

    def forward(self, images):
        return self.classifier(images.flatten(1))


def train(images, labels, epochs=15, lr=0.005, batch_size=64):
    loader = DataLoader(TensorDataset(images, labels), batch_size=batch_size, shuffle=True)
    model = DigitsCNN()
    # TODO: a loss, an optimizer and `epochs` passes over the loader, recording one loss per epoch.
    return model, []
