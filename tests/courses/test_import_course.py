import shutil
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import TestCase

from courses.models import Chapter, Course, InterviewAnswer, Question, QuizAttempt
from tests.base import BaseTestCase

CHAPTER_MD = """---
slug: {slug}
title: {title}
summary: A chapter.
faq:
  - q: A question?
    a: An answer.
---
## Learning objectives
- one
## Common mistakes
## Summary
"""


def quiz_yaml(count=6, first_prompt="Which is right?"):
    lines = ["questions:"]
    for i in range(count):
        lines += [
            f"  - id: q{i}",
            f"    prompt: {first_prompt if i == 0 else 'Question %d?' % i}",
            "    options:",
            "      - text: right",
            "        correct: true",
            "        explanation: it is right",
            "      - text: wrong",
            "        explanation: it is wrong",
            "      - text: also wrong",
            "        explanation: it is wrong too",
        ]
    return "\n".join(lines) + "\n"


INTERVIEW_YAML = """questions:
  - id: one
    prompt: First?
    answer: The first.
  - id: two
    prompt: Second?
    answer: The second.
  - id: three
    prompt: Third?
    answer: The third.
"""


class CourseFolder:
    """A valid two-chapter course in a temporary folder, for tests to change and break."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp()) / "mini"
        self.root.mkdir()
        (self.root / "course.yaml").write_text("slug: mini\ntitle: Mini course\ndescription: Small.\n")
        self.add_chapter("01-first", "first", "First")
        self.add_chapter("02-second", "second", "Second")

    def add_chapter(self, folder, slug, title):
        path = self.root / folder
        path.mkdir()
        (path / "chapter.md").write_text(CHAPTER_MD.format(slug=slug, title=title))
        (path / "quiz.yaml").write_text(quiz_yaml())
        (path / "interview.yaml").write_text(INTERVIEW_YAML)

    def write(self, relative, text):
        (self.root / relative).write_text(text)

    def cleanup(self):
        shutil.rmtree(self.root.parent)


class ImportCourseTestCase(TestCase):
    def setUp(self):
        self.folder = CourseFolder()
        self.addCleanup(self.folder.cleanup)

    def run_import(self):
        out = StringIO()
        call_command("import_course", str(self.folder.root), stdout=out)
        return out.getvalue()

    def import_problems(self):
        with self.assertRaises(CommandError) as ctx:
            self.run_import()
        self.assertFalse(Course.objects.exists(), "nothing may be imported when a file has a problem")
        return str(ctx.exception)

    def test_it_imports_a_course(self):
        self.assertIn("2 chapters", self.run_import())
        course = Course.objects.get(slug="mini")
        self.assertEqual([c.slug for c in course.chapters.all()], ["first", "second"])
        self.assertEqual(Question.objects.filter(chapter__slug="first").count(), 6)
        self.assertEqual(Chapter.objects.get(slug="first").faq, [{"q": "A question?", "a": "An answer."}])

    def test_reimport_updates_without_duplicating(self):
        self.run_import()
        self.folder.write("01-first/quiz.yaml", quiz_yaml(first_prompt="Which one is right now?"))
        self.run_import()
        self.assertEqual(Course.objects.count(), 1)
        self.assertEqual(Chapter.objects.count(), 2)
        self.assertEqual(Question.objects.count(), 12)
        self.assertEqual(Question.objects.get(chapter__slug="first", key="q0").prompt, "Which one is right now?")

    def test_reimport_keeps_students_attempts_and_answers(self):
        from django.contrib.auth.models import User

        self.run_import()
        alice = User.objects.create_user("alice")
        chapter = Chapter.objects.get(slug="first")
        QuizAttempt.grade(alice, chapter, {"q0": ["a"]})
        InterviewAnswer.objects.create(user=alice, question=chapter.interview_questions.first(), text="mine")
        shutil.rmtree(self.folder.root / "02-second")
        self.folder.write("01-first/quiz.yaml", quiz_yaml(count=7))
        self.run_import()
        self.assertEqual(QuizAttempt.objects.count(), 1)
        self.assertEqual(QuizAttempt.objects.get().answers.count(), 6)
        self.assertEqual(InterviewAnswer.objects.get().text, "mine")
        self.assertTrue(Chapter.objects.get(slug="second").retired)

    def test_it_reports_bad_yaml_with_file_and_line(self):
        self.folder.write("01-first/quiz.yaml", "questions:\n  - id: q0\n    prompt: [unclosed\n")
        problems = self.import_problems()
        self.assertIn("01-first/quiz.yaml:4: invalid YAML", problems)

    def test_it_reports_a_question_without_a_correct_option(self):
        text = quiz_yaml().replace("        correct: true\n", "", 1)
        self.folder.write("02-second/quiz.yaml", text)
        self.assertIn("02-second/quiz.yaml:2: question 'q0' has no correct option", self.import_problems())

    def test_it_reports_a_duplicate_question_id(self):
        self.folder.write("01-first/quiz.yaml", quiz_yaml().replace("id: q1", "id: q0"))
        self.assertIn("01-first/quiz.yaml:12: duplicate question id 'q0' (first on line 2)", self.import_problems())

    def test_it_reports_a_duplicate_chapter_slug(self):
        self.folder.write("02-second/chapter.md", CHAPTER_MD.format(slug="first", title="Again"))
        self.assertIn("02-second/chapter.md:2: duplicate chapter slug 'first'", self.import_problems())

    def test_it_reports_a_missing_file(self):
        (self.folder.root / "02-second" / "interview.yaml").unlink()
        self.assertIn("02-second/interview.yaml:1: missing file", self.import_problems())

    def test_it_reports_every_problem_at_once(self):
        (self.folder.root / "02-second" / "interview.yaml").unlink()
        self.folder.write("01-first/quiz.yaml", quiz_yaml(count=2))
        problems = self.import_problems()
        self.assertIn("2 problems", problems)
        self.assertIn("01-first/quiz.yaml:1: a chapter needs at least 6 quiz questions, found 2", problems)

    def test_it_reports_a_bad_front_matter_line(self):
        self.folder.write("01-first/chapter.md", "---\nslug: first\ntitle: [oops\n---\n## Summary\n")
        self.assertIn("01-first/chapter.md:3: invalid YAML", self.import_problems())

    def test_it_reports_missing_sections(self):
        self.folder.write("01-first/chapter.md", CHAPTER_MD.format(slug="first", title="T").replace("## Summary\n", ""))
        self.assertIn("01-first/chapter.md:9: the body has no '## Summary' section", self.import_problems())

    def test_it_reports_non_utf8_files(self):
        (self.folder.root / "01-first" / "interview.yaml").write_bytes(b"questions: \xff\xfe\n")
        self.assertIn("01-first/interview.yaml:1: not UTF-8 text", self.import_problems())

    def test_it_reports_a_bad_slug(self):
        self.folder.write("01-first/chapter.md", CHAPTER_MD.format(slug="First Chapter", title="T"))
        self.assertIn("'slug' must be lowercase-with-dashes", self.import_problems())

    def test_it_imports_a_quiz_policy_and_defaults_to_self_study(self):
        self.folder.write("01-first/quiz.yaml", "policy: {attempts: 2, reveal: after_last, score: last}\n" + quiz_yaml())
        self.run_import()
        first, second = Chapter.objects.order_by("position")
        self.assertEqual((first.quiz_max_attempts, first.quiz_reveal, first.quiz_scoring), (2, "after_last", "last"))
        self.assertEqual((second.quiz_max_attempts, second.quiz_reveal, second.quiz_scoring), (None, "after_each", "best"))
        self.assertTrue(second.quiz_is_practice)

    def test_it_reports_a_policy_it_cannot_follow(self):
        for policy, problem in (
            ("{reveal: after_last}", "01-first/quiz.yaml:1: reveal: after_last needs a number of attempts"),
            ("{attempts: 0}", "'attempts' must be a whole number of at least 1"),
            ("{attempts: true}", "'attempts' must be a whole number of at least 1"),
            ("{reveal: never}", "'reveal' must be one of after_each, after_last, after_deadline, got 'never'"),
            ("{score: average}", "'score' must be one of best, last, got 'average'"),
            ("{deadline: 2030-01-01}", "unknown policy key 'deadline' (the deadline is set in the admin)"),
            ("[3]", "'policy' must be a mapping"),
        ):
            with self.subTest(policy=policy):
                self.folder.write("01-first/quiz.yaml", f"policy: {policy}\n" + quiz_yaml())
                self.assertIn(problem, self.import_problems())

    def test_a_multiple_answer_question_may_have_one_or_every_option_correct(self):
        text = quiz_yaml().replace("  - id: q0\n", "  - id: q0\n    multiple: true\n", 1)
        text = text.replace("  - id: q1\n", "  - id: q1\n    multiple: true\n", 1)
        q1_options = text.index("id: q1")
        text = text[:q1_options] + text[q1_options:].replace("      - text: wrong\n", "      - text: wrong\n        correct: true\n", 1)
        text = text[:q1_options] + text[q1_options:].replace("      - text: also wrong\n", "      - text: also wrong\n        correct: true\n", 1)
        self.folder.write("01-first/quiz.yaml", text)
        self.run_import()
        one, every = Question.objects.filter(chapter__slug="first", key__in=["q0", "q1"]).order_by("key")
        self.assertEqual((one.multiple_answers, one.correct_keys()), (True, ["a"]))
        self.assertEqual((every.multiple_answers, every.correct_keys()), (True, ["a", "b", "c"]))

    def test_it_reports_multiple_false_with_several_correct_options(self):
        text = quiz_yaml().replace("  - id: q0\n", "  - id: q0\n    multiple: false\n", 1)
        text = text.replace("      - text: wrong\n", "      - text: wrong\n        correct: true\n", 1)
        self.folder.write("01-first/quiz.yaml", text)
        self.assertIn("question 'q0' says 'multiple: false' but 2 options are correct", self.import_problems())

    def test_it_imports_the_level_and_the_date_of_the_last_update(self):
        self.folder.write("01-first/chapter.md", CHAPTER_MD.format(slug="first", title="First").replace(
            "summary: A chapter.\n", "summary: A chapter.\nlevel: advanced\nupdated: 2025-03-14\n"))
        self.run_import()
        first, second = Chapter.objects.order_by("position")
        self.assertEqual((first.level, str(first.updated), str(first.last_update)), ("advanced", "2025-03-14", "2025-03-14"))
        self.assertEqual((second.level, second.updated), ("beginner", None))

    def test_it_reports_a_bad_level_or_date(self):
        for line, problem in (("level: expert", "'level' must be one of beginner, intermediate, advanced, got 'expert'"),
                              ("updated: last week", "'updated' must be a date written YYYY-MM-DD, got 'last week'"),
                              ("updated: 2025-03-14 10:00:00", "'updated' must be a date written YYYY-MM-DD")):
            with self.subTest(line=line):
                self.folder.write("01-first/chapter.md", CHAPTER_MD.format(slug="first", title="First").replace(
                    "summary: A chapter.\n", f"summary: A chapter.\n{line}\n"))
                self.assertIn(f"01-first/chapter.md:2: {problem}", self.import_problems())


def options_of_lengths(correct_longest, count=6):
    """A quiz whose correct option is the longest in the first `correct_longest` questions."""
    text = quiz_yaml(count)
    questions = text.split("  - id: ")
    for i in range(1, correct_longest + 1):
        questions[i] = questions[i].replace("- text: right\n", "- text: right, and the longest option\n")
    return "  - id: ".join(questions)


class LongestOptionLintTestCase(TestCase):
    """The correct option should not be given away by being the longest."""

    def setUp(self):
        self.folder = CourseFolder()
        self.addCleanup(self.folder.cleanup)

    def import_problems(self):
        """What import_course refuses the folder for ("" when it imports)."""
        try:
            call_command("import_course", str(self.folder.root), stdout=StringIO())
        except CommandError as exc:
            return str(exc)
        return ""

    def test_it_refuses_more_than_40_percent_and_imports_nothing(self):
        self.folder.write("01-first/quiz.yaml", options_of_lengths(3))
        problems = self.import_problems()
        self.assertIn("01-first/quiz.yaml:2: the correct option is the longest in 3 of 6 single-answer "
                      "questions (50%, keep it at most 40%): q0, q1, q2", problems)
        self.assertNotIn("02-second", problems)
        self.assertFalse(Course.objects.exists())

    def test_with_verbosity_2_it_prints_every_chapters_share(self):
        self.folder.write("01-first/quiz.yaml", options_of_lengths(2))
        out = StringIO()
        call_command("import_course", str(self.folder.root), verbosity=2, stdout=out)
        self.assertIn("first: the correct option is the longest in 2 of 6 single-answer questions\n"
                      "second: the correct option is the longest in 0 of 6", out.getvalue())

    def test_it_imports_at_40_percent_or_less(self):
        self.folder.write("01-first/quiz.yaml", options_of_lengths(2))
        self.assertEqual(self.import_problems(), "")

    def test_a_tie_for_the_longest_counts_and_multiple_answer_questions_do_not(self):
        text = quiz_yaml().replace("- text: also wrong\n", "- text: wrong\n")  # right, wrong, wrong: a tie
        self.folder.write("01-first/quiz.yaml", text)
        self.assertIn("the correct option is the longest in 6 of 6", self.import_problems())
        multiple = text.replace("        explanation: it is wrong\n", "        correct: true\n        explanation: it is wrong\n")
        self.folder.write("01-first/quiz.yaml", multiple)
        self.assertEqual(self.import_problems(), "")


class ImportCourseKeepsExistingDataTestCase(BaseTestCase):
    def test_a_broken_folder_leaves_the_database_untouched(self):
        folder = CourseFolder()
        self.addCleanup(folder.cleanup)
        folder.write("course.yaml", "slug: torch-101\ntitle: Replaced\n")
        folder.write("02-second/quiz.yaml", "questions: [")
        with self.assertRaises(CommandError):
            call_command("import_course", str(folder.root), stdout=StringIO())
        self.assertEqual(Course.objects.get(slug="torch-101").title, "Torch 101")
