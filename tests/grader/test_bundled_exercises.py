"""Every exercise that ships with the course is sound: its reference solution scores full marks
through the real sandbox and grader, its starter code does not, and its self-tests (at least 2
alternatives and 3 mistakes) are judged as they expect, on the self-tests' seeds."""


import pytest
from django.conf import settings

from courses.loader import parse_course
from grader.validation import validate

COURSE = parse_course(settings.COURSE_CONTENT_DIR / "pytorch-essentials")
EXERCISES = [(chapter.slug, data) for chapter in COURSE.chapters for data in chapter.extensions["exercises"]]


def test_chapters_2_to_7_have_at_least_ten_exercises_covering_every_check_kind():
    chapters = {slug for slug, _ in EXERCISES}
    assert chapters >= {"setup", "tensors", "autograd", "nn-module", "loss-and-optimizers", "training-loop"}
    assert len(EXERCISES) >= 10
    kinds = {check.kind for _, data in EXERCISES for check in data.spec.checks}
    assert kinds == {"value", "gradient", "training", "structure", "api", "raises"}


@pytest.mark.slow
@pytest.mark.no_database  # the sandbox alone: bin/test runs it in one pass
@pytest.mark.parametrize("chapter,data", EXERCISES, ids=[f"{c}/{d.slug}" for c, d in EXERCISES])
def test_it_validates_with_its_alternatives_and_mistakes(chapter, data, grading_backend):
    result = validate(data.spec, data.solution, data.starter, backend=grading_backend,
                      selftest_label=f"{data.slug}/")
    assert result.ok, "\n".join(result.problems)
    kinds = [name.split("/")[0] for name in data.spec.selftests]
    assert (kinds.count("alternatives") >= 2, kinds.count("mistakes") >= 3) == (True, True), kinds
    assert result.reference.score == result.reference.max_score
    assert result.starter.score < result.starter.max_score
