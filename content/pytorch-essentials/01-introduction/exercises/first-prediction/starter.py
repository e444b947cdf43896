import torch
from torch import nn


def first_prediction(images, hidden_weight, hidden_bias, output_weight, output_bias):
    hidden, pixels = hidden_weight.shape
    classes = output_weight.shape[0]
    model = nn.Sequential(
        nn.Linear(pixels, hidden),
        nn.ReLU(),
        nn.Linear(hidden, classes),
    )
    # TODO: put the given weights and biases into the two nn.Linear layers (they are random now).
    with torch.no_grad():
        return model(images)
