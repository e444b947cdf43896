"""The similarity task, run by the background CPU workers (sent by similarity.jobs)."""

import logging

from celery import shared_task

from .models import SimilarityReport
from .report import compare_final_submissions

log = logging.getLogger("torchgrade.tasks")


@shared_task
def compare_submissions_task(report_id):
    report = SimilarityReport.objects.select_related("exercise", "run").filter(
        pk=report_id, status=SimilarityReport.PENDING).first()
    if report is None:  # deleted, or done by an earlier delivery of this task
        return
    try:
        comparison = compare_final_submissions(report.exercise, report.run)
    except Exception as exc:  # whatever went wrong, the report must not stay pending
        log.exception("similarity report failed", extra={"report": report_id})
        report.fail(f"The comparison failed: {type(exc).__name__}: {exc}")
        return
    report.finish(comparison.compared, comparison.matches)
