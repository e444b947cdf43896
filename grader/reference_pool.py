"""The pool of reference answers computed ahead, per exercise version (see ReferenceAnswers).

Filled by a background task after an exercise version passes validation and whenever
submissions have taken half of it; the grading of a submission whose seed came from the pool
runs only the student's code. Entries are the reference solution's own answers on probes drawn
from a fresh secret seed, checked to answer every probe (as validation checks the reference),
stored in the sandbox's wire format and decoded as data.
"""

import logging

from django.conf import settings

from sandbox import wire

from judging.evaluation import run_reference
from .models import ExerciseVersion, ReferenceAnswers, new_seed

log = logging.getLogger("torchgrade.reference_pool")


def missing(version: ExerciseVersion) -> int:
    """How many entries `version` lacks to have GRADER_REFERENCE_POOL_SIZE unclaimed ones."""
    return max(settings.GRADER_REFERENCE_POOL_SIZE - ReferenceAnswers.unclaimed(version).count(), 0)


def fill(version: ExerciseVersion, backend, most: int) -> int:
    """Add up to `most` entries to `version`'s pool, as many as it lacks; return how many were
    added. Raises SandboxUnavailable or ReferenceFailed from the reference runs."""
    count = min(missing(version), most)
    for _ in range(count):
        seed = new_seed()
        answers = run_reference(version.spec, version.solution_code, seed, backend)
        ReferenceAnswers.objects.create(version=version, seed=seed, answers=wire.encode(answers))
    if count:
        log.info("reference pool filled", extra={"version": version.pk, "added": count})
    return count


def answers_for(version: ExerciseVersion, seed: int) -> object:
    """The pool's answers of `version` on `seed`, or None (then the reference runs beside the student's code)."""
    frame = ReferenceAnswers.for_grading(version, seed)
    if frame is None:
        return None
    try:
        return wire.decode(frame, max_bytes=len(frame))
    except wire.WireError as exc:  # written by an older release's wire format: run the reference instead
        log.warning("unreadable reference answers", extra={"version": version.pk, "reason": str(exc)})
        return None
