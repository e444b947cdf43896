"""`manage.py validate_course FOLDER`: references, starters and self-tests through the real sandbox."""

import shutil
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.usefixtures("grading_backend")

EXERCISE = "03-tensors/exercises/outer-product"


def validate(folder, slug="outer-product"):
    out = StringIO()
    try:
        call_command("validate_course", str(folder), "--exercise", slug, stdout=out)
    except CommandError as exc:
        return out.getvalue(), str(exc)
    return out.getvalue(), ""


@pytest.mark.slow
def test_a_bundled_exercise_validates_with_its_self_tests():
    output, failure = validate(settings.COURSE_CONTENT_DIR / "pytorch-essentials")
    assert failure == ""
    assert output.startswith("ok    tensors/outer-product: reference 10/10"), output


@pytest.mark.slow
def test_a_mistake_that_keeps_full_marks_fails_validation_and_names_its_file(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(settings.COURSE_CONTENT_DIR / "pytorch-essentials", course)
    solution = (course / EXERCISE / "solution.py").read_text()
    (course / EXERCISE / "mistakes" / "not_a_mistake.py").write_text("# fails: Matches the reference on the examples\n" + solution)
    output, failure = validate(course)
    assert failure == "1 exercise(s) failed validation"
    assert (f'{course / EXERCISE}/mistakes/not_a_mistake.py: expected to fail check "Matches the reference on '
            'the examples", but it passed (score 10/10)') in output


def test_with_mutants_it_prints_each_exercises_mutation_score():
    out = StringIO()
    call_command("validate_course", str(settings.COURSE_CONTENT_DIR / "pytorch-essentials"), "--exercise",
                 "column-grid", "--mutants", stdout=out)
    assert out.getvalue().splitlines()[-1] == (
        "mutant tensors/column-grid: mutation score 100%: 2 of 2 mutants killed, on 3 seeds")
