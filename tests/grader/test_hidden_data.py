"""Data sets that grade are hidden from the student's code: the digits' labels cannot be looked up."""

import pytest
import torch

from judging.datasets import DIGITS_CSV
from judging.evaluation import evaluate
from judging.probes import load_digits
from grader.runner import get_backend
from tests.grader.factories import read

pytestmark = pytest.mark.usefixtures("grading_backend")

SPEC = read("""
title: Peek
entry: {function: peek}
checks:
  - {kind: value, name: Reads the file, points: 1, cases: [{args: [1]}]}
""")
# The reference reads a label through the trusted side's loader; a job would have to read the file.
PEEK = f"""
import gzip, os

def peek(_):
    try:
        with gzip.open({str(DIGITS_CSV)!r}) as file:
            return int(float(file.readline().split(b",")[-1]))
    except OSError as exc:
        return type(exc).__name__ + ": " + str(sorted(os.listdir({str(DIGITS_CSV.parent)!r})))
"""


def test_the_trusted_side_reads_the_digits():
    assert load_digits()[1].shape == torch.Size([1797])


def test_no_job_can_read_the_digits_file():
    evaluation = evaluate(SPEC, "def peek(_):\n    return 0\n", PEEK, seed=1, backend=get_backend())
    message = evaluation.outcomes[0][1].message
    assert "FileNotFoundError: []" in message, message
