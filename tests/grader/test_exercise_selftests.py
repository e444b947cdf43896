"""Self-tested exercises: every bundled exercise's alternatives get full marks and its mistakes fail the
checks they name, through the real sandbox; and grader.selftest reports each verdict that differs."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from courses.loader import Problems
from grader.content import ExerciseData, read_exercise
from grader.selftest import parse_fails, run_selftests, selftest_seeds
from tests.grader.factories import OUTER_SOLUTION, OUTER_SPEC, read

BUNDLED = sorted((settings.COURSE_CONTENT_DIR / "pytorch-essentials").glob("*/exercises/*/exercise.yaml"))


def bundled(folder: Path) -> ExerciseData:
    problems = Problems()
    exercise = read_exercise(folder, problems)
    assert not problems, list(map(str, problems))
    return exercise


@pytest.mark.slow
@pytest.mark.parametrize("folder", [path.parent for path in BUNDLED], ids=[path.parent.name for path in BUNDLED])
def test_every_alternative_gets_full_marks_and_every_mistake_fails_its_checks(folder, grading_backend):
    report = run_selftests(folder, bundled(folder), grading_backend, selftest_seeds(3))
    assert report.problems == []
    assert report.alternatives >= 2 and report.mistakes >= 3, (report.alternatives, report.mistakes)


def fixture_exercise(folder: Path, files: dict[str, str]) -> ExerciseData:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return ExerciseData(slug="outer", spec=read(OUTER_SPEC), spec_source=OUTER_SPEC, prompt="",
                        starter="", solution=OUTER_SOLUTION)


BROADCAST = "import torch\n\n\ndef outer(a, b):\n    return a[:, None] * b[None, :]\n"
TORCH_OUTER = "import torch\n\n\ndef outer(a, b):\n    return torch.outer(a, b)\n"
ELEMENTWISE = "import torch\n\n\ndef outer(a, b):\n    return a * b\n"


@pytest.mark.slow
def test_it_reports_each_verdict_that_differs_in_its_exact_words(tmp_path, grading_backend):
    exercise = fixture_exercise(tmp_path, {
        "alternatives/broadcast.py": BROADCAST,
        "alternatives/uses_torch_outer.py": TORCH_OUTER,
        "mistakes/elementwise.py": "# fails: Examples, Random vectors\n" + ELEMENTWISE,
        "mistakes/correct_after_all.py": "# fails: No torch.outer\n" + BROADCAST,
        "mistakes/misnamed.py": "# fails: Examples, No outer\n" + ELEMENTWISE,
        "mistakes/unlabelled.py": ELEMENTWISE,
    })
    report = run_selftests(tmp_path, exercise, grading_backend, selftest_seeds(2))
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
    seeds = {finding.path.name: finding.seed for finding in report.findings}
    assert seeds == {"uses_torch_outer.py": report.seeds[0], "correct_after_all.py": report.seeds[0],
                     "misnamed.py": None, "unlabelled.py": None}


@pytest.mark.slow
def test_a_hidden_check_is_reported_with_the_reason_staff_see(tmp_path, grading_backend):
    exercise = fixture_exercise(tmp_path, {"alternatives/off_by_one.py": BROADCAST.replace("]\n", "] + 1\n")})
    [problem] = run_selftests(tmp_path, exercise, grading_backend, selftest_seeds(1)).problems
    assert problem.startswith(f"{tmp_path}/alternatives/off_by_one.py: expected full marks, got 1/6 "
                              "(check \"Examples\": Wrong result for inputs (")
    assert '; check "Random vectors": Wrong result on a randomly drawn input:)' in problem
    assert "Failed on a hidden test" not in problem


def test_an_exercise_without_self_tests_has_nothing_to_report(tmp_path):
    report = run_selftests(tmp_path, fixture_exercise(tmp_path, {}), backend=None)
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


def test_the_module_imports_no_django():
    code = "import sys, grader.selftest; print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=settings.BASE_DIR, check=True)
    assert result.stdout.strip() == "[]"
