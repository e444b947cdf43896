"""The course practises every chapter: at least 20 exercises, each chapter with one, real data (the digits)
judged on held-out images, and each new exercise with its alternatives and mistakes to self-test."""

from django.conf import settings

from courses.loader import parse_course

COURSE_DIR = settings.COURSE_CONTENT_DIR / "pytorch-essentials"
COURSE = parse_course(COURSE_DIR)
EXERCISES = {(chapter.slug, data.slug): data for chapter in COURSE.chapters
             for data in chapter.extensions["exercises"]}
NEW = ["first-prediction", "digits-classifier", "train-on-any-device", "save-and-reload", "noisy-labels",
       "digits-cnn", "q-learning-targets"]


def test_every_chapter_has_an_exercise_and_the_course_at_least_twenty():
    assert {chapter.slug for chapter in COURSE.chapters} == {chapter for chapter, _ in EXERCISES}
    assert len(EXERCISES) >= 20, sorted(EXERCISES)


def test_digits_exercises_are_judged_on_held_out_accuracy_with_the_cross_entropy():
    digits = [check for data in EXERCISES.values() for check in data.spec.checks
              if check.kind == "training" and check.data.kind == "digits"]
    assert len(digits) >= 6
    assert all(check.loss == "cross_entropy" and check.min_holdout_accuracy >= 0.6 for check in digits)
    assert any(check.data.label_noise > 0 for check in digits)


def test_a_device_any_exercise_exists():
    assert any(data.spec.device == "any" for data in EXERCISES.values())


def test_each_new_exercise_has_two_alternatives_and_three_named_mistakes():
    folders = {path.name: path for path in COURSE_DIR.glob("*/exercises/*")}
    for slug in NEW:
        alternatives = list((folders[slug] / "alternatives").glob("*.py"))
        mistakes = list((folders[slug] / "mistakes").glob("*.py"))
        assert len(alternatives) >= 2 and len(mistakes) >= 3, slug
        assert all(path.read_text().startswith("# fails: ") for path in mistakes), slug
