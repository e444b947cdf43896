# fails: Loads with weights_only=True
import io

import torch
from torch import nn


def reload_and_predict(weight, bias, x):
    model = nn.Linear(weight.shape[1], weight.shape[0])
    model.load_state_dict({"weight": weight, "bias": bias})
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    # Works, but weights_only=False would unpickle (and run) whatever an untrusted file holds.
    state = torch.load(buffer, weights_only=False)
    reloaded = nn.Linear(weight.shape[1], weight.shape[0])
    reloaded.load_state_dict(state)
    reloaded.eval()
    with torch.no_grad():
        return reloaded(x)
