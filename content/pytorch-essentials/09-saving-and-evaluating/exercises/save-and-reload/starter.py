import io

import torch
from torch import nn


def reload_and_predict(weight, bias, x):
    out_features, in_features = weight.shape
    model = nn.Linear(in_features, out_features)
    model.load_state_dict({"weight": weight, "bias": bias})
    # TODO: torch.save the state_dict to a buffer, torch.load it (weights_only=True) into a new
    # nn.Linear with load_state_dict, and return that new model's predictions on x.
    reloaded = nn.Linear(in_features, out_features)
    with torch.no_grad():
        return reloaded(x)
