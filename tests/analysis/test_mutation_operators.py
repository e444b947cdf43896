"""Each mutation operator makes the change it names, once per place, and nothing that does not compile."""

import ast

import pytest

from judging.mutants import OPERATORS, Mutant, mutants

SOFTMAX = """\
import torch


def softmax(x):
    shifted = x - x.max(dim=-1, keepdim=True).values
    e = torch.exp(shifted)
    return e / e.sum(dim=-1, keepdim=True)
"""

TRAIN = """\
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def train(x, y, epochs=20, lr=0.05, batch_size=32):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = nn.Linear(x.shape[1], 1).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True)
    losses = []
    for epoch in range(epochs):
        model.train()
        for bx, by in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(bx.to(device)), by.to(device))
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            losses.append(loss_fn(model(x), y).item())
    return model, losses
"""

MISC = """\
import torch
import torch.nn.functional as F


def f(a, b, done, gamma=0.9):
    best = b.max(1).values
    p = F.log_softmax(a, dim=1).T
    q = torch.sum(a, 0).float()
    r = a.transpose(0, 1).clone()
    if gamma > 0.5:
        best = -best
    loss = F.mse_loss(a, b, reduction="mean")
    return a + gamma * best * (~done).float() + p.mean() + q.amax() + r.sum() + loss
"""


def changes(source, operator=None):
    return [m.change for m in mutants(source) if operator is None or m.operator == operator]


def mutated_line(mutant: Mutant) -> str:
    return mutant.source.splitlines()[mutant.line - 1] if mutant.line <= len(mutant.source.splitlines()) else ""


def test_there_are_at_least_fifteen_operators_and_each_has_a_docstring_or_a_name():
    assert len(OPERATORS) >= 15
    assert len({operator.__doc__ or operator.__name__ for operator in OPERATORS}) == len(OPERATORS)


def test_it_changes_the_dim_of_a_reduction_by_keyword_and_by_position():
    assert "x.max(dim=-1, keepdim=True) -> x.max(dim=0, keepdim=True)" in changes(SOFTMAX, "dim")
    assert "b.max(1) -> b.max(0)" in changes(MISC, "dim")
    assert "torch.sum(a, 0) -> torch.sum(a, -1)" in changes(MISC, "dim")


def test_it_flips_keepdim():
    assert "e.sum(dim=-1, keepdim=True) -> e.sum(dim=-1, keepdim=False)" in changes(SOFTMAX, "keepdim-flipped")


def test_it_swaps_sum_and_mean_softmax_and_log_softmax_max_and_min():
    assert "e.sum -> e.mean" in changes(SOFTMAX, "sum-mean")
    assert "F.log_softmax -> F.softmax" in changes(MISC, "softmax-log_softmax")
    assert "x.max -> x.min" in changes(SOFTMAX, "max-min")
    assert "q.amax -> q.amin" in changes(MISC, "max-min")


def test_it_drops_a_transpose():
    assert "F.log_softmax(a, dim=1).T -> F.log_softmax(a, dim=1)" in changes(MISC, "transpose-dropped")
    assert "a.transpose(0, 1) -> a" in changes(MISC, "transpose-dropped")


def test_it_removes_and_adds_dtype_casts():
    assert "torch.sum(a, 0).float() -> torch.sum(a, 0)" in changes(MISC, "cast-removed")
    added = changes(SOFTMAX, "cast-added")
    assert added == ["return e / e.sum(dim=-1, keepdim=True) -> return (e / e.sum(dim=-1, keepdim=True)).double()"]
    assert changes(TRAIN, "cast-added") == []  # a model and its losses are not cast


def test_it_inserts_detach_on_computed_values_only():
    inserted = changes(SOFTMAX, "detach-inserted")
    assert "e = torch.exp(shifted) -> e = torch.exp(shifted).detach()" in inserted
    assert not any("nn.MSELoss()" in change or "DataLoader(" in change for change in changes(TRAIN, "detach-inserted"))


def test_it_leaves_arguments_to_their_defaults_and_hard_codes_parameters():
    defaulted = changes(TRAIN, "argument-defaulted")
    assert "torch.optim.SGD(model.parameters(), lr=lr) -> torch.optim.SGD(model.parameters())" in defaulted
    assert "lr -> 0.05" in changes(TRAIN, "parameter-hard-coded")
    assert "batch_size -> 32" in changes(TRAIN, "parameter-hard-coded")
    assert "gamma -> 0.9" in changes(MISC, "parameter-hard-coded")


def test_it_deletes_statements_and_names_the_training_calls():
    assert changes(TRAIN, "zero_grad-dropped") == ["optimizer.zero_grad() deleted"]
    assert changes(TRAIN, "eval-dropped") == ["model.eval() deleted"]
    assert changes(TRAIN, "train-dropped") == ["model.train() deleted"]
    assert "loss.backward() deleted" in changes(TRAIN, "statement-deleted")
    assert "optimizer.step() deleted" in changes(TRAIN, "statement-deleted")


def test_it_turns_shuffle_off_and_drops_no_grad():
    assert len(changes(TRAIN, "shuffle-flipped")) == 1
    (no_grad,) = [m for m in mutants(TRAIN) if m.operator == "no_grad-dropped"]
    assert no_grad.change == "with torch.no_grad(): removed (its body kept)"
    assert "no_grad" not in no_grad.source and "losses.append" in no_grad.source


def test_it_moves_a_loop_bound_by_one():
    assert changes(TRAIN, "loop-bound") == ["range(epochs) -> range(epochs - 1)"]


def test_it_perturbs_constants_and_flips_booleans():
    assert "0.5 -> 1.0" in changes(MISC, "constant")
    assert "1 -> 2" in changes(TRAIN, "constant")


def test_it_changes_a_loss_reduction_or_sets_one():
    assert "F.mse_loss(a, b, reduction='mean') -> F.mse_loss(a, b, reduction='sum')" in changes(MISC, "reduction")
    assert "nn.MSELoss() -> nn.MSELoss(reduction='sum')" in changes(TRAIN, "reduction")


def test_it_hard_codes_the_device():
    assert changes(TRAIN, "device-hard-coded") == [
        "torch.device('cuda' if torch.cuda.is_available() else 'cpu') -> torch.device('cpu')"]
    choice = "import torch\n\ndef f(x):\n    return x.to('cuda' if torch.cuda.is_available() else 'cpu')\n"
    assert changes(choice, "device-hard-coded") == ["'cuda' if torch.cuda.is_available() else 'cpu' -> 'cpu'"]


def test_it_changes_comparisons_arithmetic_and_drops_negations():
    assert "gamma > 0.5 -> gamma >= 0.5" in changes(MISC, "comparison")
    assert "e / e.sum(dim=-1, keepdim=True) -> e * e.sum(dim=-1, keepdim=True)" in changes(SOFTMAX, "arithmetic")
    assert "~done -> done" in changes(MISC, "unary-dropped")
    assert "-best -> best" in changes(MISC, "unary-dropped")


@pytest.mark.parametrize("source", [SOFTMAX, TRAIN, MISC], ids=["softmax", "train", "misc"])
def test_every_mutant_compiles_differs_from_the_solution_and_has_a_unique_key(source):
    made = mutants(source)
    assert made
    sources = [m.source for m in made]
    assert len(set(sources)) == len(sources)
    assert ast.unparse(ast.parse(source)) not in sources
    for mutant in made:
        compile(mutant.source, "solution.py", "exec")
    keys = [m.key for m in made]
    assert len(set(keys)) == len(keys), keys


def test_the_same_change_twice_on_a_line_gets_numbered_keys():
    keys = [m.key for m in mutants("import torch\n\ndef f(x):\n    return torch.nn.Linear(1, 1)(x)\n")
            if m.operator == "constant"]
    assert keys == ["4: 1 -> 2", "4: 1 -> 2 (#2)"]


def test_the_key_names_the_line_of_the_change():
    for mutant in mutants(SOFTMAX):
        assert mutant.key.startswith(f"{mutant.line}: ")
    assert {m.line for m in mutants(SOFTMAX)} == {5, 6, 7}


def test_code_outside_functions_is_left_alone():
    made = mutants("import torch\nSCALE = 2.0\n\ndef f(x):\n    return x\n")
    assert [m.change for m in made] == ["return x -> return x.double()"]
