"""`manage.py mutate_exercise FOLDER` lists or grades the mutants of an exercise folder's solution."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

COLUMN_GRID = settings.COURSE_CONTENT_DIR / "pytorch-essentials/03-tensors/exercises/column-grid"


def run(*args):
    out = StringIO()
    call_command("mutate_exercise", *map(str, args), stdout=out)
    return out.getvalue()


def test_it_lists_the_mutants_without_grading_them():
    assert run(COLUMN_GRID, "--list").splitlines() == [
        "solution.py:5: torch.arange(n * m).reshape(m, n).T -> torch.arange(n * m).reshape(m, n) [transpose-dropped]",
        "solution.py:5: n * m -> n / m [arithmetic]",
    ]


@pytest.mark.usefixtures("grading_backend")
def test_it_prints_the_score_of_an_exercise_whose_checks_kill_every_mutant():
    assert run(COLUMN_GRID, "--seeds", 1, "--min-score", 1).splitlines() == [
        "mutation score 100%: 2 of 2 mutants killed, on 1 seeds"]


@pytest.mark.usefixtures("grading_backend")
def test_it_fails_below_the_minimum_score_and_names_each_survivor(tmp_path):
    folder = tmp_path / "softmax"
    folder.mkdir()
    from tests.analysis.test_mutation_analysis import SOFTMAX, SOFTMAX_SPEC
    (folder / "exercise.yaml").write_text(SOFTMAX_SPEC)
    (folder / "solution.py").write_text(SOFTMAX)
    (folder / "starter.py").write_text("def softmax(x):\n    return x\n")
    (folder / "prompt.md").write_text("Softmax.\n")
    out = StringIO()
    with pytest.raises(CommandError, match=r"mutation score \d+% is below 100%"):
        call_command("mutate_exercise", str(folder), "--seeds", "1", "--min-score", "1", stdout=out)
    assert f"{folder}/solution.py:6: e = torch.exp(shifted) -> e = torch.exp(shifted).detach() [detach-inserted] " \
           "\u2014 keeps 3/3: no check tells them apart" in out.getvalue().splitlines()


def test_it_refuses_a_folder_that_is_not_an_exercise(tmp_path):
    with pytest.raises(CommandError, match="is not an exercise folder"):
        run(tmp_path / "nothing")
