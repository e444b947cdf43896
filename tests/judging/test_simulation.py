"""The harness's simulated device and scaled reloads (judging.simulation), in this process: a simulated
tensor refuses to be mixed with CPU tensors as a GPU's would, while what device-agnostic code does
(layers, optimizers, data loaders, gradients through transfers) works; and nothing is left changed
once the conditions are gone."""

import copy
import io
import re

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from judging.simulation import MIXED_DEVICES, DeviceSimulation, ProbeConditions, on_host

MIXED = MIXED_DEVICES.format("cuda:0")


@pytest.fixture
def cuda():
    simulation = DeviceSimulation()
    with simulation, simulation.simulating("cuda"):
        yield torch.device("cuda" if torch.cuda.is_available() else "cpu")


def test_it_refuses_an_operation_that_mixes_the_device_with_the_cpu(cuda):
    on_device, on_cpu = torch.ones(3).to(cuda), torch.ones(3)
    assert on_device.device == torch.device("cuda", 0) and on_device.is_cuda
    model = nn.Linear(3, 1).to(cuda)
    for mixed in (lambda: on_device + on_cpu, lambda: on_cpu.add_(on_device), lambda: model(on_cpu[None]),
                  lambda: nn.functional.cross_entropy(torch.randn(2, 3).to(cuda), torch.tensor([0, 2]))):
        with pytest.raises(RuntimeError, match=f"^{re.escape(MIXED)}$"):
            mixed()
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        on_device.numpy()


def test_it_allows_what_a_gpu_allows_beside_the_cpu(cuda):
    on_device = torch.arange(6.0).to(cuda)
    assert (on_device * torch.tensor(2.0)).device.type == "cuda"  # a CPU scalar
    assert on_device[torch.tensor([0, 5])].device.type == "cuda"  # CPU indices
    assert on_device.sum().item() == 15.0 and on_device.tolist()[5] == 5.0
    assert on_device.cpu().numpy().sum() == 15.0 and type(on_device.cpu()) is torch.Tensor
    assert torch.zeros(2, device=cuda).device.type == "cuda" and torch.ones(2, device="cpu").device.type == "cpu"
    # What an operation makes for itself is on the device too (F.one_hot's zeros).
    assert nn.functional.one_hot(torch.tensor([0, 2]).to(cuda), 3).device.type == "cuda"
    assert copy.deepcopy(nn.Linear(2, 1).to(cuda)).weight.device.type == "cuda"


def test_it_loads_onto_the_device_that_map_location_names(cuda):
    buffer = io.BytesIO()
    torch.save(nn.Linear(2, 1).to(cuda).state_dict(), buffer)
    for location, device_type in ((cuda, "cuda"), ("cpu", "cpu")):
        state = torch.load(io.BytesIO(buffer.getvalue()), map_location=location, weights_only=True)
        assert {tensor.device.type for tensor in state.values()} == {device_type}


def test_it_keeps_gradients_flowing_through_transfers(cuda):
    leaf = torch.tensor([1.0, 2.0], requires_grad=True)
    (leaf.to(cuda) * 3).cpu().sum().backward()
    assert type(leaf.grad) is torch.Tensor and leaf.grad.tolist() == [3.0, 3.0]


@pytest.mark.parametrize("optimizer", [torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW])
def test_it_trains_a_model_moved_after_its_optimizer_was_made(cuda, optimizer):
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    step = optimizer(model.parameters(), lr=0.05)
    before, initial = model[0].weight, model[0].weight.detach().clone()
    model.to(cuda)
    assert model[0].weight is before and model[0].weight.device.type == "cuda"
    x, y = torch.randn(16, 2), torch.randn(16, 1)
    losses = []
    for batch_x, batch_y in DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True, pin_memory=True):
        loss = nn.functional.mse_loss(model(batch_x.to(cuda, non_blocking=True)), batch_y.to(cuda))
        step.zero_grad()
        loss.backward()
        step.step()
        losses.append(loss.item())
    assert len(losses) == 4 and not torch.equal(before.detach().cpu(), initial)  # the optimizer moved it
    assert type(on_host({"weight": [model[0].weight]})["weight"][0]) is torch.Tensor


def test_it_says_which_device_is_available_only_while_simulating():
    simulation = DeviceSimulation()
    functions = torch.cuda.is_available, torch.backends.mps.is_available
    real = torch.cuda.is_available(), torch.backends.mps.is_available()
    with simulation:
        assert (torch.cuda.is_available(), torch.backends.mps.is_available()) == real
        with simulation.simulating("mps"):
            assert (torch.cuda.is_available(), torch.backends.mps.is_available()) == (False, True)
            assert torch.ones(1).to("mps").device == torch.device("mps", 0)
            with pytest.raises(RuntimeError, match="cuda is not available"):
                torch.ones(1).cuda()
        with simulation.simulating("cuda"):
            assert (torch.cuda.is_available(), torch.cuda.device_count(), torch.backends.mps.is_available()) == (
                True, 1, False)
    assert (torch.cuda.is_available, torch.backends.mps.is_available) == functions


def test_it_scales_each_storage_that_torch_load_gives_back_once(tmp_path):
    weight = torch.tensor([1.0, -2.0])
    saved = {"weight": weight, "tied": weight, "steps": torch.tensor([3]), "note": "kept"}
    buffer, path = io.BytesIO(), tmp_path / "state.pt"
    torch.save(saved, buffer)
    torch.save(saved, path)
    original = torch.load
    conditions = ProbeConditions([{"reload_scale": 2.0}, {}])
    with conditions:
        with conditions.during({"reload_scale": 2.0}):
            loaded = [torch.load(source, weights_only=True) for source in (io.BytesIO(buffer.getvalue()), path)]
        plain = torch.load(path, weights_only=True)
    for state in loaded:
        assert state["weight"].tolist() == state["tied"].tolist() == [2.0, -4.0]
        assert state["steps"].tolist() == [3] and state["note"] == "kept"
    assert plain["weight"].tolist() == [1.0, -2.0]
    assert torch.load is original and torch.serialization.load is original
