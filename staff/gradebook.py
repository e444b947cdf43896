"""The gradebook of a course run: one row per student on its roster (whether or not they ever
handed anything in), one column per quiz and exercise.

A quiz cell is the score that counts under the chapter's quiz policy (the best attempt's or the
last one's); an exercise cell is the best final score among the student's submissions: the
automatic grade or a staff override (which wins), less the late penalty the submission's time
earns under the student's own deadline (runs.schedule).
"""

import csv
import io
from urllib.parse import urlencode
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse

from courses.models import QuizAttempt
from grader.models import Exercise, Submission
from runs.late import LateScore
from runs.schedule import Schedule

from .scores import scored_submissions

SORTS = ("student", "total", "-total")
STATUSES = ("", "complete", "incomplete")
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """`text` as a CSV cell that a spreadsheet shows as text, never evaluates: prefixed with `'`
    if it could start a formula. Only for text: scores are written as numbers."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


@dataclass
class Column:
    key: str
    title: str
    kind: str  # "quiz" or "exercise"
    maximum: float
    chapter: object
    exercise: object = None


@dataclass
class Cell:
    score: float | None
    maximum: float
    link: str = ""
    full_marks: bool | None = None  # an exercise's, judged on the version it was graded against
    late: LateScore | None = None  # an exercise's counted submission, when a penalty cut its score

    @property
    def full(self):
        if self.full_marks is not None:
            return self.full_marks
        return self.score is not None and self.score >= self.maximum


@dataclass
class Row:
    student: object
    cells: list = field(default_factory=list)

    @property
    def total(self):
        return sum(cell.score or 0 for cell in self.cells)

    @property
    def complete(self):
        return all(cell.full for cell in self.cells)


class Gradebook:
    def __init__(self, course, run, chapter_slug="", student="", status="", sort="student"):
        self.course = course
        self.run = run
        self.chapters = list(course.chapters.filter(retired=False))
        self.chapter_slug = chapter_slug
        self.student = student.strip()
        self.status = status if status in STATUSES else ""
        self.sort = sort if sort in SORTS else "student"
        self.columns = self._columns()
        self.rows = self._rows()

    @property
    def maximum(self):
        return sum(column.maximum for column in self.columns)

    def _columns(self):
        chapters = [c for c in self.chapters if not self.chapter_slug or c.slug == self.chapter_slug]
        exercises = defaultdict(list)
        for exercise in Exercise.objects.filter(chapter__in=chapters, retired=False).select_related("current_version"):
            exercises[exercise.chapter_id].append(exercise)
        question_counts = dict(
            self.course.chapters.filter(pk__in=[c.pk for c in chapters])
            .annotate(n=Count("questions", filter=Q(questions__retired=False))).values_list("pk", "n")
        )
        columns = []
        for chapter in chapters:
            if question_counts.get(chapter.pk):
                columns.append(Column(f"quiz:{chapter.slug}", f"Quiz {chapter.position}", "quiz",
                                      question_counts[chapter.pk], chapter))
            for exercise in exercises[chapter.pk]:
                columns.append(Column(f"exercise:{chapter.slug}/{exercise.slug}", exercise.title, "exercise",
                                      exercise.points, chapter, exercise))
        return columns

    def _students(self):
        roster = self.run.students()
        if self.student:
            roster = roster.filter(
                Q(username__icontains=self.student) | Q(first_name__icontains=self.student)
                | Q(last_name__icontains=self.student)
            )
        return list(roster)

    def _rows(self):
        students = self._students()
        quiz_scores = QuizAttempt.counted_scores(
            QuizAttempt.objects.filter(user__in=students, chapter__course=self.course))
        exercises = [column.exercise for column in self.columns if column.kind == "exercise"]
        counted = Schedule(self.run).counted_scores(scored_submissions(
            Submission.objects.filter(user__in=students, exercise__in=exercises), exercises))
        submissions_url = reverse("staff_submissions", args=[self.course.slug])
        rows = []
        for student in students:
            row = Row(student)
            for column in self.columns:
                if column.kind == "quiz":
                    row.cells.append(Cell(quiz_scores.get((student.pk, column.chapter.pk)), column.maximum))
                else:
                    link = f"{submissions_url}?{urlencode({'student': student.username, 'exercise': column.exercise.pk})}"
                    best = counted.get((student.pk, column.exercise.pk))
                    if best is None:
                        row.cells.append(Cell(None, column.maximum, link, False))
                    else:
                        row.cells.append(Cell(best.late.final, column.maximum, link, best.full_marks,
                                              best.late if best.late.penalty_percent else None))
            rows.append(row)
        if self.status:
            rows = [row for row in rows if row.complete == (self.status == "complete")]
        if self.sort != "student":
            rows.sort(key=lambda row: row.total, reverse=self.sort == "-total")
        return rows

    def csv(self):
        """One row per student, one column per item (final scores, late penalties taken off), then
        the total; Excel-friendly UTF-8."""
        out = io.StringIO()
        writer = csv.writer(out)
        titles = [spreadsheet_text(column.title) for column in self.columns]
        writer.writerow(["username", "name", *titles, "total", "maximum"])
        for row in self.rows:
            writer.writerow([
                spreadsheet_text(row.student.get_username()), spreadsheet_text(row.student.get_full_name()),
                *("" if cell.score is None else f"{cell.score:g}" for cell in row.cells),
                f"{row.total:g}", f"{self.maximum:g}",
            ])
        return "\ufeff" + out.getvalue()
