"""A submission's status has one owner, the Submission model, and the grading modules import
one another without a cycle (so none needs a function-level import to load)."""

import ast
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from grader.models import Submission, WorkerHeartbeat
from tests.base import BaseTestCase
from tests.grader.factories import OUTER_SOLUTION, make_exercise

ROOT = Path(settings.BASE_DIR)
# The site's code; the benches are scripts that set Django up before they import models.
PROJECT_PACKAGES = ("accounts", "courses", "grader", "sandbox", "staff", "torchgrade")
LIFECYCLE_MODULES = {f"grader.{name}" for name in ("grading", "jobs", "models", "tasks", "validation", "worker")} | {
    "staff.review"}


def source_files():
    for package in PROJECT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def module_name(path):
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imported_modules(node, module):
    """The project modules an Import/ImportFrom node of `module` loads."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    package = module.rsplit(".", 1)[0]
    base = node.module or ""
    if node.level:
        base = ".".join([package] + ([base] if base else []))
    # `from grader import models` names a module; `from grader.models import X` names a module's member.
    return {base} | {f"{base}.{alias.name}" for alias in node.names}


def top_level_imports(tree, module):
    found = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found |= imported_modules(node, module)
    return found


def nested_imports(tree, module):
    found = set()
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(function):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    found |= imported_modules(node, module)
    return found


def parsed():
    return {module_name(path): ast.parse(path.read_text(), str(path)) for path in source_files()}


def find_cycle(graph):
    """One import cycle in `graph` (module -> modules it imports), as a list, or None."""
    done, path = set(), []

    def visit(module):
        if module in path:
            return path[path.index(module):] + [module]
        if module in done:
            return None
        path.append(module)
        for imported in sorted(graph.get(module, ())):
            cycle = visit(imported)
            if cycle:
                return cycle
        path.pop()
        done.add(module)
        return None

    return next((cycle for cycle in map(visit, sorted(graph)) if cycle), None)


def test_the_grader_modules_import_one_another_without_a_cycle():
    trees = parsed()
    # Function-level imports count: they would only hide a cycle.
    graph = {module: (top_level_imports(tree, module) | nested_imports(tree, module)) & set(trees)
             for module, tree in trees.items() if module.startswith(("grader.", "staff."))}
    assert LIFECYCLE_MODULES <= set(graph)
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph))}"


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_module_imports_a_grading_module_inside_a_function():
    offenders = {module: sorted(nested_imports(tree, module) & LIFECYCLE_MODULES) for module, tree in parsed().items()}
    assert {module: found for module, found in offenders.items() if found} == {}


def status_writes(tree):
    """Lines that set an object's `.status` (its own, `self.status`, is another class's business
    outside grader.models), or pass a status to an update."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            elements = [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
            if any(isinstance(e, ast.Attribute) and e.attr == "status" and
                   not (isinstance(e.value, ast.Name) and e.value.id == "self") for e in elements):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in ("update", "update_or_create", "get_or_create", "bulk_update"):
            defaults = [k.value for k in node.keywords if k.arg == "defaults" and isinstance(k.value, ast.Dict)]
            if any(k.arg == "status" for k in node.keywords) or any(
                    isinstance(key, ast.Constant) and key.value == "status" for d in defaults for key in d.keys):
                lines.append(node.lineno)
    return lines


def test_only_the_submission_model_changes_a_status():
    writes = {module: status_writes(tree) for module, tree in parsed().items() if module != "grader.models"}
    assert {module: lines for module, lines in writes.items() if lines} == {}


class SubmissionLifecycleTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.exercise = make_exercise(self.chapter)

    def submission(self, **fields):
        return Submission.objects.create(user=self.alice, exercise=self.exercise,
                                         version=self.exercise.current_version, code=OUTER_SOLUTION, **fields)

    def test_claiming_marks_it_running_on_that_worker_start(self):
        submission = self.submission()
        claimed = Submission.claim(submission.pk, "start-1")
        submission.refresh_from_db()
        self.assertEqual((submission.status, submission.worker, submission.deliveries), ("running", "start-1", 1))
        self.assertEqual(claimed.pk, submission.pk)
        self.assertIsNotNone(submission.started_at)

    def test_a_finished_submission_is_not_claimed_again(self):
        for status in ("graded", "error"):
            submission = self.submission(status=status)
            self.assertIsNone(Submission.claim(submission.pk, "start-2"))
            submission.refresh_from_db()
            self.assertEqual((submission.status, submission.deliveries), (status, 0))

    def test_a_submission_delivered_too_often_fails_once_without_costing_an_attempt(self):
        submission = self.submission(status="running", deliveries=settings.GRADER_MAX_DELIVERIES)
        self.assertIsNone(Submission.claim(submission.pk, "start-1"))
        submission.refresh_from_db()
        self.assertEqual((submission.status, submission.counts_as_attempt), ("error", False))
        self.assertIn("could not finish", submission.error_message)

    def test_requeueing_sends_the_task_again(self):
        submission = Submission.claim(self.submission().pk, "start-1")
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            self.assertTrue(submission.requeue())
        submission.refresh_from_db()
        self.assertEqual((submission.status, len(callbacks)), ("queued", 1))
        self.assertGreater(submission.enqueued_at, timezone.now() - timedelta(seconds=5))

    def test_requeueing_leaves_alone_a_submission_another_worker_claimed_meanwhile(self):
        seen = Submission.claim(self.submission().pk, "dead-start")
        Submission.claim(seen.pk, "live-start")  # the broker's copy of the task reached a live worker
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            self.assertFalse(seen.requeue())
        seen.refresh_from_db()
        self.assertEqual((seen.status, seen.worker, len(callbacks)), ("running", "live-start", 0))

    def test_failing_leaves_a_graded_submission_alone(self):
        submission = self.submission(status="graded")
        submission.fail("too late")
        submission.refresh_from_db()
        self.assertEqual((submission.status, submission.counts_as_attempt, submission.error_message),
                         ("graded", True, ""))

    def test_a_running_submission_is_orphaned_once_its_worker_start_stops_beating(self):
        now = timezone.now()
        WorkerHeartbeat.objects.create(worker_id="dead-start", hostname="w1@host", queues=["cpu"],
                                       last_seen=now - timedelta(seconds=settings.GRADER_WORKER_STALE_S + 1))
        # Its replacement has the same hostname, and beats.
        WorkerHeartbeat.objects.create(worker_id="new-start", hostname="w1@host", queues=["cpu"], last_seen=now)
        orphan = self.submission(status="running", worker="dead-start", started_at=now)
        self.submission(status="running", worker="new-start", started_at=now)
        self.assertEqual(list(Submission.orphaned()), [orphan])
