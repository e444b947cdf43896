"""What a quiz policy and a chapter's level may be, shared by the course-folder loader and the
models (so quiz.yaml, chapter.md and the admin accept exactly the same values).

Plain Python: the loader checks a folder without touching the database.
"""

REVEAL_AFTER_EACH = "after_each"
REVEAL_AFTER_LAST = "after_last"
REVEAL_AFTER_DEADLINE = "after_deadline"
REVEAL_CHOICES = [
    (REVEAL_AFTER_EACH, "after each attempt"),
    (REVEAL_AFTER_LAST, "after the last attempt"),
    (REVEAL_AFTER_DEADLINE, "after the deadline"),
]

SCORE_BEST = "best"
SCORE_LAST = "last"
SCORE_CHOICES = [(SCORE_BEST, "best attempt"), (SCORE_LAST, "last attempt")]

LEVEL_BEGINNER = "beginner"
LEVEL_CHOICES = [(LEVEL_BEGINNER, "Beginner"), ("intermediate", "Intermediate"), ("advanced", "Advanced")]


def policy_problem(attempts: int | None, reveal: str) -> str:
    """Why this combination cannot work ("" when it can)."""
    if reveal == REVEAL_AFTER_LAST and attempts is None:
        return "reveal: after_last needs a number of attempts (with unlimited attempts there is no last one)"
    return ""
