"""judging.selftest reports each verdict of an exercise's alternatives and mistakes that differs from
what the file expects (the bundled exercises' own self-tests run in test_bundled_exercises)."""


import pytest

from courses.loader import Problems
from grader.content import read_exercise
from judging.selftest import parse_fails, run_selftests, selftest_seeds
from tests.grader.factories import OUTER_SOLUTION, OUTER_SPEC, read

def fixture_spec(files: dict[str, str]) -> dict:
    """The outer-product fixture exercise with `files` as its alternatives/ and mistakes/."""
    return read(OUTER_SPEC).with_files({}, files)


def test_an_exercise_folder_carries_its_self_tests_with_its_version(tmp_path):
    folder = tmp_path / "outer"
    files = {"exercise.yaml": OUTER_SPEC, "prompt.md": "-", "starter.py": "x = 1\n", "solution.py": OUTER_SOLUTION,
             "alternatives/broadcast.py": BROADCAST, "mistakes/elementwise.py": "# fails: Examples\n" + ELEMENTWISE}
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    problems = Problems()
    exercise = read_exercise(folder, problems)
    assert not problems
    assert exercise.spec.selftests == {"alternatives/broadcast.py": BROADCAST,
                                          "mistakes/elementwise.py": "# fails: Examples\n" + ELEMENTWISE}


BROADCAST = "import torch\n\n\ndef outer(a, b):\n    return a[:, None] * b[None, :]\n"
TORCH_OUTER = "import torch\n\n\ndef outer(a, b):\n    return torch.outer(a, b)\n"
ELEMENTWISE = "import torch\n\n\ndef outer(a, b):\n    return a * b\n"


@pytest.mark.slow
def test_it_reports_each_verdict_that_differs_in_its_exact_words(tmp_path, grading_backend):
    spec = fixture_spec({
        "alternatives/broadcast.py": BROADCAST,
        "alternatives/uses_torch_outer.py": TORCH_OUTER,
        "mistakes/elementwise.py": "# fails: Examples, Random vectors\n" + ELEMENTWISE,
        "mistakes/correct_after_all.py": "# fails: No torch.outer\n" + BROADCAST,
        "mistakes/misnamed.py": "# fails: Examples, No outer\n" + ELEMENTWISE,
        "mistakes/unlabelled.py": ELEMENTWISE,
    })
    report = run_selftests(spec, OUTER_SOLUTION, grading_backend, selftest_seeds(2), label=f"{tmp_path}/")
    checks = '(checks: "Examples", "Random vectors", "No torch.outer")'
    assert sorted(report.problems) == sorted([
        f"{tmp_path}/alternatives/uses_torch_outer.py: expected full marks, got 5/6 "
        "(check \"No torch.outer\": line 5: uses `torch.outer`, which this exercise forbids)",
        f'{tmp_path}/mistakes/correct_after_all.py: expected to fail check "No torch.outer", but it passed (score 6/6)',
        f'{tmp_path}/mistakes/misnamed.py: "# fails:" names no check of this exercise: "No outer" {checks}',
        f'{tmp_path}/mistakes/unlabelled.py: the first line must name the check(s) this mistake fails, '
        f'as "# fails: <check name>" {checks}',
    ])
    assert (report.alternatives, report.mistakes, report.seeds) == (2, 4, tuple(selftest_seeds(2)))
    seeds = {finding.path: finding.seed for finding in report.findings}
    assert seeds == {"alternatives/uses_torch_outer.py": report.seeds[0],
                     "mistakes/correct_after_all.py": report.seeds[0],
                     "mistakes/misnamed.py": None, "mistakes/unlabelled.py": None}


@pytest.mark.slow
def test_a_hidden_check_is_reported_with_the_reason_staff_see(tmp_path, grading_backend):
    spec = fixture_spec({"alternatives/off_by_one.py": BROADCAST.replace("]\n", "] + 1\n")})
    [problem] = run_selftests(spec, OUTER_SOLUTION, grading_backend, selftest_seeds(1), label=f"{tmp_path}/").problems
    assert problem.startswith(f"{tmp_path}/alternatives/off_by_one.py: expected full marks, got 1/6 "
                              "(check \"Examples\": Wrong result for inputs (")
    assert '; check "Random vectors": Wrong result on a randomly drawn input:)' in problem
    assert "Failed on a hidden test" not in problem


def test_an_exercise_without_self_tests_has_nothing_to_report():
    report = run_selftests(read(OUTER_SPEC), OUTER_SOLUTION, backend=None)
    assert (report.ok, report.alternatives, report.mistakes, report.problems) == (True, 0, 0, [])


def test_a_check_whose_name_holds_a_comma_is_read_whole():
    names = ["Gradients with respect to x, w and b match", "Gradients match", "No loops"]
    assert parse_fails(" Gradients with respect to x, w and b match, No loops", names) == [names[0], names[2]]
    assert parse_fails("No loops ,Gradients match", names) == ["No loops", "Gradients match"]
    assert parse_fails("Gradients with respect to x, Bogus", names) == ["Gradients with respect to x", "Bogus"]
    assert parse_fails(" , ", names) == []


def test_the_seeds_are_the_same_on_every_run_and_more_seeds_keep_the_first_ones():
    seeds = selftest_seeds()
    assert len(seeds) == len(set(seeds)) == 3
    assert selftest_seeds(10)[:3] == seeds
    assert all(isinstance(seed, int) and seed > 0 for seed in seeds)
