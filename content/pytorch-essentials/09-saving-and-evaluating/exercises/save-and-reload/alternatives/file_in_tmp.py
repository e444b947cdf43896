import os
import tempfile

import torch
from torch import nn


def reload_and_predict(weight, bias, x):
    model = nn.Linear(weight.shape[1], weight.shape[0])
    model.load_state_dict({"weight": weight, "bias": bias})
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        path = os.path.join(folder, "linear.pt")
        torch.save(model.state_dict(), path)
        state = torch.load(path, map_location="cpu", weights_only=True)
    fresh = nn.Linear(weight.shape[1], weight.shape[0])
    fresh.load_state_dict(state)
    fresh.eval()
    with torch.inference_mode():
        return fresh(x)
