# fails: The reloaded model predicts like the original on the example, Predicts with the reloaded model on random layers
import io

import torch
from torch import nn


def reload_and_predict(weight, bias, x):
    model = nn.Linear(weight.shape[1], weight.shape[0])
    model.load_state_dict({"weight": weight, "bias": bias})
    buffer = io.BytesIO()
    torch.save(model, buffer)   # the whole module, pickled: torch.load with weights_only=True refuses it
    buffer.seek(0)
    reloaded = torch.load(buffer, weights_only=True)
    reloaded.eval()
    with torch.no_grad():
        return reloaded(x)
