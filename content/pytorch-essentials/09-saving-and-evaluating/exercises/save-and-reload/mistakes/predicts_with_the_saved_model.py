# fails: Predicts with the reloaded model on random layers
import io

import torch
from torch import nn


def reload_and_predict(weight, bias, x):
    model = nn.Linear(weight.shape[1], weight.shape[0])
    model.load_state_dict({"weight": weight, "bias": bias})
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    reloaded = nn.Linear(weight.shape[1], weight.shape[0])
    reloaded.load_state_dict(torch.load(buffer, weights_only=True))
    reloaded.eval()
    with torch.no_grad():
        return model(x)   # the model that was saved, not the one that was loaded back
