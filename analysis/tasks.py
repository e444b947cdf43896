"""The mutation analysis task: a chunk of mutants per run, then it sends itself again for the rest."""

import logging

from celery import shared_task
from django.conf import settings

from grader.runner import get_backend
from grader.tasks import retry_later
from judging.evaluation import SandboxUnavailable
from judging.mutants import mutants
from judging.mutation import analyse
from judging.selftest import selftest_seeds
from judging.verdicts import ReferenceFailed

from .models import MutationAnalysis

log = logging.getLogger("torchgrade.tasks")

# Mutants graded per task: a chunk of a training exercise takes a minute or two, after which the
# background queue's other work (a validation, a pool fill) gets its turn.
MUTANTS_PER_TASK = 8


@shared_task(bind=True, max_retries=settings.GRADER_MAX_RETRIES)
def analyse_mutants_task(self, analysis_id):
    analysis = MutationAnalysis.objects.select_related("version").filter(pk=analysis_id).first()
    if analysis is None or analysis.status in (MutationAnalysis.DONE, MutationAnalysis.FAILED):
        return
    version = analysis.version
    every = mutants(version.solution_code)
    graded = analysis.graded_keys
    chunk = [mutant for mutant in every if mutant.key not in graded][:MUTANTS_PER_TASK]
    seeds = analysis.seeds or selftest_seeds()
    try:
        report = analyse(version.spec, version.solution_code, get_backend(), seeds=seeds, only=chunk, concurrency=1)
    except SandboxUnavailable as exc:
        retry_later(self, exc)
        log.error("mutation analysis gave up after sandbox failures", extra={"analysis": analysis_id})
        analysis.fail("The sandbox failed on our side; run the analysis again.")
        return
    except ReferenceFailed as exc:
        analysis.fail(str(exc))
        return
    analysis.add(report.verdicts, len(every), seeds)
    if analysis.status == MutationAnalysis.RUNNING:
        analysis.send()
