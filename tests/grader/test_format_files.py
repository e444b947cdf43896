"""Code spread over files, graded for real: an exercise's provided.py that the code imports (never
read by the api check, shown read-only on the page), submissions of several files that import each
other (evaluate and try_exercise), and a clear message for a package the sandbox lacks."""

import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import SimpleTestCase

from courses.loader import Problems
from grader.content import read_exercise
from judging.evaluation import evaluate
from grader.runner import get_backend
from tests.grader.factories import read

pytestmark = pytest.mark.usefixtures("grading_backend")

SPEC = """
title: Scaled sum
entry: {function: scaled_sum}
checks:
  - kind: value
    name: Values
    points: 1
    random: {count: 3, args: [{randn: [4]}]}
  - kind: api
    name: No torch.sum
    points: 1
    forbid: [torch.sum]
"""
PROVIDED = "import torch\n\nSCALE = 3.0\n\n\ndef total(x):\n    return torch.sum(x)\n"
SOLUTION = "from provided import SCALE, total\n\n\ndef scaled_sum(x):\n    return SCALE * total(x)\n"


class ProvidedFileTests(SimpleTestCase):
    def setUp(self):
        self.folder = Path(self.enterContext(tempfile.TemporaryDirectory())) / "scaled-sum"
        self.folder.mkdir()
        for name, text in (("exercise.yaml", SPEC), ("prompt.md", "Use provided.total."),
                           ("starter.py", "def scaled_sum(x):\n    return x\n"), ("solution.py", SOLUTION),
                           ("provided.py", PROVIDED)):
            (self.folder / name).write_text(text)

    def exercise(self):
        problems = Problems()
        exercise = read_exercise(self.folder, problems)
        self.assertFalse(problems)
        return exercise

    def test_the_provided_module_is_stored_in_the_spec(self):
        self.assertEqual(self.exercise().spec.provided, {"provided.py": PROVIDED})

    def test_code_importing_the_provided_module_gets_full_marks_and_its_torch_sum_is_not_counted(self):
        exercise = self.exercise()
        code = "import provided\n\n\ndef scaled_sum(x):\n    return provided.SCALE * provided.total(x)\n"
        evaluation = evaluate(exercise.spec, exercise.solution, code, 2, get_backend())
        self.assertEqual(evaluation.score, 2, [o.message for _, o in evaluation.outcomes])

    def test_the_students_own_torch_sum_still_fails_the_api_check(self):
        exercise = self.exercise()
        code = "import torch\n\n\ndef scaled_sum(x):\n    return 3.0 * torch.sum(x)\n"
        evaluation = evaluate(exercise.spec, exercise.solution, code, 2, get_backend())
        self.assertEqual([o.passed for _, o in evaluation.outcomes], [True, False])


HELPER = "import torch\n\n\ndef twice(x):\n    return x + x\n"
# Without torch.sum (a tensor method counts too): 4 times the mean of 4 elements.
ENTRY = "from helper import twice\n\n\ndef scaled_sum(x):\n    return 6 * twice(x).mean()\n"


class SeveralFilesTests(SimpleTestCase):
    def test_files_that_import_each_other_are_graded_together(self):
        evaluation = evaluate(read(SPEC), SOLUTION.replace("from provided import SCALE, total",
                                                           "SCALE = 3.0\ntotal = sum"),
                              {"submission.py": ENTRY, "helper.py": HELPER}, 1, get_backend())
        self.assertEqual([o.passed for _, o in evaluation.outcomes], [True, True])
        self.assertIn("Checked 2 files", evaluation.outcomes[1][1].message)

    def test_the_api_check_reads_every_submitted_file(self):
        helper = "import torch\n\n\ndef twice(x):\n    return torch.sum(x + x)\n"
        evaluation = evaluate(read(SPEC), "def scaled_sum(x):\n    return 3.0 * x.sum()\n",
                              {"submission.py": ENTRY.replace("6 * twice(x).mean()", "1.5 * twice(x)"), "helper.py": helper}, 1, get_backend())
        self.assertEqual([o.passed for _, o in evaluation.outcomes], [True, False])
        self.assertIn("helper.py: line 5: uses `torch.sum`", evaluation.outcomes[1][1].message)

    def test_a_traceback_shows_the_students_helper_file(self):
        helper = "def twice(x):\n    raise ValueError('no twice today')\n"
        evaluation = evaluate(read(SPEC), "def scaled_sum(x):\n    return 3.0 * x.sum()\n",
                              {"submission.py": ENTRY, "helper.py": helper}, 1, get_backend())
        message = evaluation.outcomes[0][1].message
        self.assertIn('helper.py", line 2, in twice', message)
        self.assertIn('submission.py", line 5, in scaled_sum', message)

    def test_try_exercise_grades_several_files_the_first_being_the_entry(self):
        folder = Path(self.enterContext(tempfile.TemporaryDirectory()))
        exercise = folder / "scaled-sum"
        exercise.mkdir()
        for name, text in (("exercise.yaml", SPEC), ("prompt.md", "."), ("starter.py", "def scaled_sum(x):\n    return x\n"),
                           ("solution.py", "def scaled_sum(x):\n    return 3.0 * x.sum()\n")):
            (exercise / name).write_text(text)
        (folder / "mine.py").write_text(ENTRY)
        (folder / "helper.py").write_text(HELPER)
        out = StringIO()
        call_command("try_exercise", str(exercise), str(folder / "mine.py"), str(folder / "helper.py"), stdout=out)
        self.assertIn("Score: 2 / 2", out.getvalue())


class MissingPackageTests(SimpleTestCase):
    def test_importing_a_package_the_sandbox_lacks_says_what_is_available(self):
        code = "import tensorflow as tf\n\n\ndef scaled_sum(x):\n    return x\n"
        evaluation = evaluate(read(SPEC), "def scaled_sum(x):\n    return 3.0 * x.sum()\n", code, 1, get_backend())
        message = evaluation.outcomes[0][1].message
        self.assertIn("ModuleNotFoundError: No module named 'tensorflow'", message)
        self.assertIn("The sandbox has no package 'tensorflow' (available: torch, numpy", message)

    def test_a_missing_module_of_an_installed_package_gets_no_such_note(self):
        code = "import torch.nonexistent\n\n\ndef scaled_sum(x):\n    return x\n"
        evaluation = evaluate(read(SPEC), "def scaled_sum(x):\n    return 3.0 * x.sum()\n", code, 1, get_backend())
        self.assertNotIn("The sandbox has no package", evaluation.outcomes[0][1].message)
