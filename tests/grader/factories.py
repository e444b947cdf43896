"""Exercises built from inline YAML through the same reader the course import uses."""

import textwrap

import yaml

from courses.loader import Problems, _LineLoader
from grader.models import Exercise
from judging.reader import read_spec

OUTER_SPEC = """
title: Outer product
entry: {function: outer}
limits: {wall_s: 10, memory_mb: 512}
checks:
  - kind: value
    name: Examples
    points: 2
    cases:
      - args: [{tensor: [1.0, 2.0]}, {tensor: [3.0, 4.0, 5.0]}]
  - kind: value
    name: Random vectors
    points: 3
    hidden: true
    hint: Reshape, then matmul.
    random: {count: 3, args: [{randn: [4]}, {randn: [3]}]}
  - kind: api
    name: No torch.outer
    points: 1
    forbid: [torch.outer]
"""
OUTER_SOLUTION = "import torch\n\ndef outer(a, b):\n    return a.reshape(-1, 1) @ b.reshape(1, -1)\n"
OUTER_STARTER = "import torch\n\ndef outer(a, b):\n    return a * b\n"


def read(spec_yaml):
    problems = Problems()
    spec = read_spec("exercise.yaml", yaml.load(textwrap.dedent(spec_yaml), Loader=_LineLoader), problems)
    assert not problems, problems
    return spec


def read_problems(spec_yaml) -> list[str]:
    """The problems the reader finds in `spec_yaml`, as `path:line: message`."""
    problems = Problems()
    read_spec("exercise.yaml", yaml.load(textwrap.dedent(spec_yaml), Loader=_LineLoader), problems)
    return [str(problem) for problem in problems]


def make_exercise(chapter, slug="outer", spec_yaml=OUTER_SPEC, solution=OUTER_SOLUTION,
                  starter=OUTER_STARTER, **fields):
    spec = read(spec_yaml)
    exercise = Exercise.objects.create(
        chapter=chapter, slug=slug, title=spec.title, prompt="Compute it.", starter_code=starter,
        device=spec.device, **fields,
    )
    exercise.set_version(spec, spec_yaml, solution)
    return exercise
