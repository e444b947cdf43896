# fails: Fits a plane with mini-batches
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def train(x, y, epochs=40, lr=0.05, batch_size=32):
    print("GPU available:", torch.cuda.is_available())
    model = nn.Linear(x.shape[1], 1).cuda()   # .cuda() whatever the answer: fails without a GPU
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for epoch in range(epochs):
        total = 0.0
        for batch_x, batch_y in DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True):
            loss = nn.functional.mse_loss(model(batch_x.to("cuda")), batch_y.to("cuda"))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch_x)
        losses.append(total / len(x))
    return model, losses
