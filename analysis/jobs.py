"""The analysis tasks the site sends, by name (workers import analysis.tasks; see grader.jobs)."""

from grader.jobs import TaskByName

analyse_mutants_task = TaskByName("analysis.tasks.analyse_mutants_task")
