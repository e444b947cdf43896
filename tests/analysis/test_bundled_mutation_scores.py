"""The bundled course passes its own mutation analysis, on the self-tests' 3 seeds.

The suite runs the whole analysis of every exercise whose entry is a function or a module (each mutant
grades in a fraction of a second): at least 90% of its mutants killed, those marked equivalent (each with
its reason) left out, and every mark still naming a mutant. A training exercise's mutants take seconds
each, so the suite grades a sample of them: every mutant of the operators its checks were tightened for
(a parameter hard-coded to its default, shuffle off, the device hard-coded, zero_grad dropped, a loop
bound off by one) must be killed or marked equivalent. `manage.py validate_course --mutants` runs the
whole analysis of every exercise. It touches no database, so bin/test runs it in one pass (marker
`no_database`)."""

import pytest
from django.conf import settings

from courses.loader import parse_course
from judging.mutants import mutants
from judging.mutation import analyse

COURSE = parse_course(settings.COURSE_CONTENT_DIR / "pytorch-essentials")
EXERCISES = [(chapter.slug, data) for chapter in COURSE.chapters for data in chapter.extensions["exercises"]]
FUNCTIONS = [(chapter, data) for chapter, data in EXERCISES if data.spec.entry.kind != "training"]
TRAINING = [(chapter, data) for chapter, data in EXERCISES if data.spec.entry.kind == "training"]
MIN_SCORE = 0.9
TRAINING_SAMPLE = ("parameter-hard-coded", "shuffle-flipped", "device-hard-coded", "zero_grad-dropped", "loop-bound")

pytestmark = [pytest.mark.slow, pytest.mark.no_database]


@pytest.mark.parametrize("chapter,data", FUNCTIONS, ids=[f"{c}/{d.slug}" for c, d in FUNCTIONS])
def test_its_checks_kill_at_least_90_percent_of_the_mutants(chapter, data, grading_backend):
    report = analyse(data.spec, data.solution, grading_backend)
    assert report.verdicts, "an exercise whose solution has no mutant proves nothing"
    assert report.score >= MIN_SCORE and not report.unknown_marks, "\n".join([report.summary(), *report.problems()])


@pytest.mark.parametrize("chapter,data", TRAINING, ids=[f"{c}/{d.slug}" for c, d in TRAINING])
def test_its_training_checks_kill_the_mutants_they_were_tightened_for(chapter, data, grading_backend):
    sample = [mutant for mutant in mutants(data.solution) if mutant.operator in TRAINING_SAMPLE]
    assert sample
    report = analyse(data.spec, data.solution, grading_backend, only=sample)
    assert not report.survivors, "\n".join(report.problems())
