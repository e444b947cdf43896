"""The comparison behind a similarity report: copydetect's winnowed fingerprints of tokenised Python.

Trusted: the exercise's starter code and reference solutions. Untrusted: the students' code, which
is only tokenised (pygments, through copydetect), never imported or run. Names become placeholders
before fingerprinting, so renamed variables still match; fingerprints of the starter code and of
the reference solutions are boilerplate, so what every student was given, or was meant to write,
makes no pair. Only workers and tests import this module (copydetect loads numpy and matplotlib):
the web process never does.
"""

import io
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from copydetect import CodeFingerprint, compare_files, defaults

from grader.models import Exercise, Submission
from runs.models import CourseRun

from .models import MAX_PAIRS, SIMILARITY_FLOOR

# copydetect's own defaults, in characters of the tokenised code (where a name is one character): a
# match is at least NOISE long, and one of GUARANTEE or more is always found (winnowing keeps one
# fingerprint in each window of GUARANTEE - NOISE + 1).
NOISE = defaults.NOISE_THRESHOLD
WINDOW = defaults.GUARANTEE_THRESHOLD - defaults.NOISE_THRESHOLD + 1


@dataclass(frozen=True)
class Match:
    first: Submission
    second: Submission
    similarity: float  # the larger of the two shares of one's fingerprints found in the other
    token_overlap: int
    first_regions: list[list[int]]  # [start, end) character offsets in first.code
    second_regions: list[list[int]]


@dataclass(frozen=True)
class Comparison:
    compared: int  # final submissions compared
    matches: list[Match]  # the most similar pairs above the floor, most similar first


def final_submissions(exercise: Exercise, run: CourseRun) -> list[Submission]:
    """The newest graded submission of `exercise` of each student on the run's roster who has one."""
    submissions = (Submission.objects.filter(exercise=exercise, status=Submission.GRADED, user__in=run.students())
                   .select_related("user").order_by("user__username", "-created_at", "-pk"))
    final = {}
    for submission in submissions:
        final.setdefault(submission.user_id, submission)
    return list(final.values())


def fingerprint(code: str, boilerplate: np.ndarray, window: int = WINDOW) -> CodeFingerprint:
    return CodeFingerprint("submission.py", NOISE, window, boilerplate=boilerplate, language="python",
                           fp=io.StringIO(code))


def boilerplate_hashes(texts: list[str]) -> np.ndarray:
    """Every fingerprint of `texts` (no winnowing, as copydetect does for its boilerplate)."""
    hashes = set()
    for text in texts:
        hashes |= fingerprint(text, np.array([]), window=1).hashes
    return np.unique(np.array(sorted(hashes)))


def regions(slices: np.ndarray, length: int) -> list[list[int]]:
    """copydetect's slices (starts, ends) as sorted [start, end) pairs within the code, overlaps merged."""
    merged = []
    for start, end in sorted(zip(*slices.tolist())):
        start, end = max(0, int(start)), min(length, int(end))
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        elif start < end:
            merged.append([start, end])
    return merged


def compare(submissions: list[Submission], boilerplate: list[str]) -> list[Match]:
    """The pairs of `submissions` at least SIMILARITY_FLOOR alike, most alike first, at most MAX_PAIRS."""
    excluded = boilerplate_hashes(boilerplate)
    prints = [fingerprint(submission.code, excluded) for submission in submissions]
    matches = []
    for (first, first_print), (second, second_print) in combinations(zip(submissions, prints), 2):
        overlap, (first_share, second_share), (first_slices, second_slices) = compare_files(first_print, second_print)
        similarity = float(max(first_share, second_share))
        if similarity >= SIMILARITY_FLOOR:
            matches.append(Match(first, second, similarity, int(overlap),
                                 regions(first_slices, len(first.code)), regions(second_slices, len(second.code))))
    matches.sort(key=lambda match: (-match.similarity, -match.token_overlap))
    return matches[:MAX_PAIRS]


def compare_final_submissions(exercise: Exercise, run: CourseRun) -> Comparison:
    """Compare the final submissions of the run's students, the starter code and every version's
    reference solution left out."""
    submissions = final_submissions(exercise, run)
    boilerplate = [exercise.starter_code, *exercise.versions.values_list("solution_code", flat=True)]
    return Comparison(len(submissions), compare(submissions, boilerplate))
