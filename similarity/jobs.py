"""The similarity task the site sends, by name (workers import similarity.tasks; see grader.jobs)."""

from grader.jobs import TaskByName

compare_submissions_task = TaskByName("similarity.tasks.compare_submissions_task")
