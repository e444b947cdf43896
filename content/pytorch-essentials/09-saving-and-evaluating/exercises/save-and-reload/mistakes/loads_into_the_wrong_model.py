# fails: The reloaded model predicts like the original on the example, Predicts with the reloaded model on random layers
import io

import torch
from torch import nn


def reload_and_predict(weight, bias, x):
    model = nn.Linear(weight.shape[1], weight.shape[0])
    model.load_state_dict({"weight": weight, "bias": bias})
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    reloaded = nn.Linear(weight.shape[1], weight.shape[0])
    reloaded.state_dict().update(state)   # updates a copy: the new model keeps its random weights
    with torch.no_grad():
        return reloaded(x)
