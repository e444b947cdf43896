import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def train(x, y, epochs=40, lr=0.05, batch_size=32):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = nn.Linear(x.shape[1], 1).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True,
                        pin_memory=torch.cuda.is_available())
    losses = []
    for epoch in range(epochs):
        for batch_x, batch_y in loader:
            batch_x = batch_x.to(device, non_blocking=True)
            batch_y = batch_y.to(device, non_blocking=True)
            loss = loss_fn(model(batch_x), batch_y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        # The loss of the model as the epoch leaves it, on all the training points.
        with torch.no_grad():
            losses.append(loss_fn(model(x.to(device)), y.to(device)).item())
    return model, losses
