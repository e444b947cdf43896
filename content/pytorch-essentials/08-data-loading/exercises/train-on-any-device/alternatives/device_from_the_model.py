import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def train(x, y, epochs=40, lr=0.05, batch_size=32):
    model = nn.Sequential(nn.Linear(x.shape[1], 1))
    if torch.cuda.is_available():
        model = model.to("cuda")
    device = next(model.parameters()).device   # wherever the model lives
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    losses = []
    for epoch in range(epochs):
        for batch_x, batch_y in DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True):
            batch_x, batch_y = batch_x.to(device), batch_y.to(device)
            loss = ((model(batch_x) - batch_y) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():  # the model's loss on all the training points, as the epoch leaves it
            losses.append(((model(x.to(device)) - y.to(device)) ** 2).mean().item())
    return model, losses
