"""`manage.py try_exercise FOLDER FILE`: grade a file against an exercise folder on disk."""

import json
import subprocess
import sys
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import SimpleTestCase

from tests.grader.factories import OUTER_SOLUTION, OUTER_SPEC, OUTER_STARTER

pytestmark = pytest.mark.usefixtures("grading_backend")

ROOT = Path(__file__).resolve().parents[2]
PRINTS_ITS_INPUTS = """
import torch

def outer(a, b):
    print("INPUTS", a.tolist(), b.tolist())
    return a.reshape(-1, 1) @ b.reshape(1, -1)
"""


class TryExerciseTests(SimpleTestCase):
    def setUp(self):
        self.folder = Path(self.enterContext(tempfile.TemporaryDirectory()))
        exercise = self.folder / "outer"
        exercise.mkdir()
        for name, text in (("exercise.yaml", OUTER_SPEC), ("prompt.md", "Compute the outer product."),
                           ("starter.py", OUTER_STARTER), ("solution.py", OUTER_SOLUTION)):
            (exercise / name).write_text(text)
        self.exercise = exercise

    def try_file(self, code, *arguments):
        path = self.folder / "mine.py"
        path.write_bytes(code if isinstance(code, bytes) else code.encode())
        out = StringIO()
        exit_code = 0
        try:
            call_command("try_exercise", str(self.exercise), str(path), *arguments, stdout=out)
        except SystemExit as exc:
            exit_code = exc.code
        return exit_code, out.getvalue()

    def test_it_exits_0_on_full_marks(self):
        exit_code, output = self.try_file(OUTER_SOLUTION, "--seed", "3")
        self.assertEqual(exit_code, 0)
        self.assertIn("Score: 6 / 6 (ok)", output)
        self.assertIn("PASS  Random vectors (3/3)", output)

    def test_it_exits_1_and_prints_the_checks_as_json(self):
        exit_code, output = self.try_file(OUTER_STARTER, "--seed", "3", "--json")
        self.assertEqual(exit_code, 1)
        view = json.loads(output)
        self.assertEqual(set(view), {"score", "max_score", "status", "checks", "shown_output"})
        self.assertEqual((view["score"], view["max_score"], view["status"]), (1, 6, "ok"))
        checks = {c["name"]: c for c in view["checks"]}
        self.assertEqual(set(checks["Examples"]), {"position", "name", "kind", "hidden", "passed", "points", "max_points", "message"})
        self.assertFalse(checks["Examples"]["passed"])
        self.assertIn("The size of tensor a (2) must match", checks["Examples"]["message"])
        self.assertEqual(checks["Random vectors"]["message"], "Failed on a hidden test. Hint: Reshape, then matmul.")
        self.assertEqual((checks["No torch.outer"]["points"], checks["No torch.outer"]["max_points"]), (1, 1))

    def test_it_shows_only_what_the_visible_checks_printed(self):
        exit_code, output = self.try_file(PRINTS_ITS_INPUTS, "--seed", "3", "--json")
        self.assertEqual(exit_code, 0)
        shown = json.loads(output)["shown_output"]
        self.assertEqual(shown.count("INPUTS"), 1)  # the one visible case; never the hidden draws
        self.assertIn("INPUTS [1.0, 2.0] [3.0, 4.0, 5.0]", shown)

    def test_the_same_seed_grades_alike(self):
        first = json.loads(self.try_file(OUTER_STARTER.replace("a * b", "a[:1] * b"), "--seed", "9", "--json")[1])
        second = json.loads(self.try_file(OUTER_STARTER.replace("a * b", "a[:1] * b"), "--seed", "9", "--json")[1])
        self.assertEqual(first, second)

    def test_a_file_that_is_not_python_source_is_rejected_with_exit_1(self):
        exit_code, output = self.try_file(b"\xff\xfe binary", "--json")
        self.assertEqual(exit_code, 1)
        view = json.loads(output)
        self.assertEqual((view["status"], view["score"]), ("rejected", 0))
        self.assertIn("not UTF-8", view["shown_output"])


class TryExerciseUsageTests(SimpleTestCase):
    def run_command(self, *arguments):
        return subprocess.run([sys.executable, "manage.py", "try_exercise", *arguments], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)

    def test_a_missing_folder_is_bad_usage(self):
        completed = self.run_command("/nonexistent/exercise", "manage.py")
        self.assertEqual(completed.returncode, 2, completed.stderr)
        self.assertIn("is not an exercise folder", completed.stderr)

    def test_a_malformed_exercise_names_file_and_line(self):
        with tempfile.TemporaryDirectory() as folder:
            exercise = Path(folder)
            for name in ("prompt.md", "starter.py", "solution.py"):
                (exercise / name).write_text("x = 1\n")
            (exercise / "exercise.yaml").write_text("title: Broken\nentry: {function: f}\nchecks:\n  - kind: nope\n")
            completed = self.run_command(str(exercise), "manage.py")
        self.assertEqual(completed.returncode, 2, completed.stderr)
        self.assertIn("exercise.yaml:4: check kind must be one of", completed.stderr)

