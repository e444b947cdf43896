import io

import torch
from torch import nn


def reload_and_predict(weight, bias, x):
    out_features, in_features = weight.shape
    model = nn.Linear(in_features, out_features)
    model.load_state_dict({"weight": weight, "bias": bias})

    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)

    reloaded = nn.Linear(in_features, out_features)
    reloaded.load_state_dict(torch.load(buffer, weights_only=True))
    reloaded.eval()
    with torch.no_grad():
        return reloaded(x)
