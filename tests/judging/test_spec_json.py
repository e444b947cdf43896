"""An ExerciseSpec survives its trip through the database's JSON unchanged."""

import json
from pathlib import Path

import pytest

from courses.loader import Problems
from grader.content import read_exercise
from judging.spec import ApiCheck, ExerciseSpec, IntInput, RaisesCheck, TensorInput, TrainingCheck, input_from_json

CONTENT = Path(__file__).resolve().parents[2] / "content"
FOLDERS = sorted(path.parent for path in CONTENT.glob("*/*/exercises/*/exercise.yaml"))


@pytest.mark.parametrize("folder", FOLDERS, ids=[folder.name for folder in FOLDERS])
def test_every_bundled_spec_round_trips_through_json(folder):
    problems = Problems()
    spec = read_exercise(folder, problems).spec
    assert not problems
    stored = json.loads(json.dumps(spec.to_json()))
    assert ExerciseSpec.from_json(stored) == spec
    assert stored == spec.to_json()


def test_the_objects_are_frozen_and_typed_per_kind():
    problems = Problems()
    specs = [read_exercise(folder, problems).spec for folder in FOLDERS]
    kinds = {type(check) for spec in specs for check in spec.checks}
    assert {ApiCheck, RaisesCheck, TrainingCheck} <= kinds
    check = specs[0].checks[0]
    with pytest.raises(AttributeError):
        check.points = 100


def test_an_object_refuses_an_impossible_combination():
    with pytest.raises(ValueError):
        TensorInput(make="randn", arg=[3], dtype="float128")
    assert IntInput(((1, 2), (4, "n"))).to_json() == {"int": [[1, 2], [4, "n"]]}


def test_a_dtype_sweep_round_trips_and_starts_with_its_dtype():
    swept = TensorInput(make="randn", arg=[3], dtype="float32", dtypes=("float32", "float64"))
    assert input_from_json(json.loads(json.dumps(swept.to_json()))) == swept
    assert "dtypes" not in TensorInput(make="randn", arg=[3]).to_json()["tensor"]
    with pytest.raises(ValueError):
        TensorInput(make="randn", arg=[3], dtype="float64", dtypes=("float32", "float64"))
