"""Grade passback (AGS 2.0): what triggers a score, what reaches the LMS, and that a score made
while the LMS is down arrives once it is back."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from grader.models import Grade, ScoreOverride, Submission
from lti import passback
from lti.models import LtiIdentity, ResourceLink, ScoreSend
from lti.tasks import send_pending_scores
from runs.models import DueDate

from .base import LtiTestCase


class PassbackTests(LtiTestCase):
    def setUp(self):
        super().setUp()
        self.launch_item()
        self.client.logout()
        self.student = LtiIdentity.objects.get().user
        self.link = ResourceLink.objects.get()

    def grade(self, score, created_at=None):
        """A submission graded as the grader records it (the grade saved before the status)."""
        submission = Submission.objects.create(user=self.student, exercise=self.exercise, code="x", status="running",
                                               version=self.exercise.current_version,
                                               created_at=created_at or timezone.now())
        submission.record_grade(f"submit:{submission.pk}", self.exercise.current_version, {
            "score": score, "max_score": 6, "torch_version": "2.13.0", "device": "cpu", "sandbox_status": "ok"}, [])
        return submission

    def test_a_grading_queues_the_score_and_sends_it_in_the_background(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.grade(4)
        row = ScoreSend.objects.get()
        self.assertEqual((row.score_given, row.score_maximum, row.status), (4, 6, ScoreSend.PENDING))
        self.send_score_task.assert_called_once_with((row.pk,), queue="cpu-background", countdown=0)

    def test_the_score_reaches_the_line_item_as_the_ags_specification_shapes_it(self):
        self.grade(4)
        row = passback.send(ScoreSend.objects.get().pk)
        self.assertEqual(row.status, ScoreSend.SENT)
        self.assertIsNotNone(row.sent_at)
        created, = self.lms.lineitems  # no line item came with the launch: the tool made one
        self.assertEqual((created["scoreMaximum"], created["resourceId"], created["resourceLinkId"]),
                         (6, f"exercise:{self.exercise.pk}", "link-1"))
        score, = self.lms.scores
        self.assertEqual(score["content_type"], "application/vnd.ims.lis.v1.score+json")
        self.assertEqual(score["lineitem"], "/lineitems/1")
        self.assertEqual({k: score[k] for k in ("userId", "scoreGiven", "scoreMaximum", "activityProgress",
                                                "gradingProgress")},
                         {"userId": "student-1", "scoreGiven": 4, "scoreMaximum": 6, "activityProgress": "Completed",
                          "gradingProgress": "FullyGraded"})
        self.assertEqual(score["timestamp"], row.created_at.isoformat())
        self.link.refresh_from_db()
        self.assertEqual(self.link.lineitem_url, f"{self.lms.base}/lineitems/1")

    def test_the_line_item_of_the_launch_is_used_when_it_names_one(self):
        self.launch_item(**{"https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
            "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
            "lineitems": f"{self.lms.base}/lineitems", "lineitem": f"{self.lms.base}/lineitems/7"}})
        self.grade(6)
        passback.send(ScoreSend.objects.get().pk)
        self.assertEqual(self.lms.lineitems, [])
        self.assertEqual(self.lms.scores[0]["lineitem"], "/lineitems/7")

    def test_the_late_penalty_of_the_run_is_applied(self):
        run = self.link.context.run
        run.late_policy, run.late_penalty_percent, run.late_penalty_unit = "penalty", 10, "day"
        run.save()
        due = timezone.now() - timedelta(days=2)
        DueDate.objects.create(run=run, exercise=self.exercise, due_at=due)
        self.grade(6, created_at=due + timedelta(hours=12))  # one day late
        self.assertAlmostEqual(ScoreSend.objects.get().score_given, 5.4)

    def test_the_best_score_counts_as_in_the_gradebook_and_supersedes_the_pending_one(self):
        self.grade(5)
        self.grade(2)
        rows = list(ScoreSend.objects.order_by("pk"))
        self.assertEqual([(r.score_given, r.status) for r in rows],
                         [(5, ScoreSend.SUPERSEDED), (5, ScoreSend.PENDING)])

    def test_an_override_sends_the_new_score(self):
        submission = self.grade(2)
        ScoreOverride.objects.create(submission=submission, score=6, reason="fair", created_by=self.ian)
        self.assertEqual(ScoreSend.objects.first().score_given, 6)
        self.assertIn("override", ScoreSend.objects.first().because)

    def test_a_staff_members_own_try_sends_nothing(self):
        submission = Submission.objects.create(user=self.ian, exercise=self.exercise, code="x", status="graded",
                                               version=self.exercise.current_version)
        Grade.objects.create(submission=submission, request="submit:staff", score=6, max_score=6, seed=1,
                             torch_version="2.13.0", device="cpu", sandbox_status="ok",
                             version=self.exercise.current_version)
        self.assertFalse(ScoreSend.objects.exists())

    def test_a_score_made_while_the_lms_is_down_arrives_after_it_returns(self):
        self.lms.down = True
        self.grade(3)
        with self.assertLogs("torchgrade.lti", "WARNING"):
            row = passback.send(ScoreSend.objects.get().pk)
        self.assertEqual((row.status, row.attempts), (ScoreSend.PENDING, 1))
        self.assertIn("503", row.last_error)
        self.assertGreater(row.next_attempt_at, timezone.now())
        self.assertEqual(self.lms.scores, [])

        self.lms.down = False
        send_pending_scores()  # not due yet: the sweep waits for the backoff
        self.assertEqual(self.lms.scores, [])
        ScoreSend.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        send_pending_scores()
        row.refresh_from_db()
        self.assertEqual((row.status, row.attempts, row.last_error), (ScoreSend.SENT, 2, ""))
        self.assertEqual([s["scoreGiven"] for s in self.lms.scores], [3])

    def test_the_task_retries_with_backoff_while_the_lms_is_down(self):
        from lti.tasks import send_score_task

        self.lms.down = True
        self.grade(3)
        row = ScoreSend.objects.get()
        self.send_score_task.reset_mock()
        with self.assertLogs("torchgrade.lti", "WARNING"), self.captureOnCommitCallbacks(execute=True):
            send_score_task(row.pk)
        self.send_score_task.assert_called_once_with((row.pk,), queue="cpu-background", countdown=30.0)
        self.assertEqual(passback.backoff(3), timedelta(seconds=120))
        self.assertEqual(passback.backoff(30), passback.MAX_BACKOFF)

    def test_a_sent_score_is_not_sent_again(self):
        self.grade(3)
        pk = ScoreSend.objects.get().pk
        passback.send(pk)
        self.assertIsNone(passback.send(pk))
        self.assertEqual(len(self.lms.scores), 1)


class QuizPassbackTests(LtiTestCase):
    def test_a_quiz_attempt_sends_the_counted_score(self):
        from courses.models import QuizAttempt

        self.launch(item=f"quiz:{self.chapter.pk}")
        student = LtiIdentity.objects.get().user
        QuizAttempt.grade(student, self.chapter, {"single": ["b"], "multiple": ["a"]})
        row = ScoreSend.objects.get()
        self.assertEqual((row.score_given, row.score_maximum), (1, 2))


class StaffPageTests(LtiTestCase):
    def test_staff_see_what_was_sent_and_when(self):
        self.launch_item()
        self.client.logout()
        link = ResourceLink.objects.get()
        student = LtiIdentity.objects.get().user
        ScoreSend.objects.create(resource_link=link, user=student, score_given=4, score_maximum=6, because="grading",
                                 status=ScoreSend.SENT, sent_at=timezone.now(), attempts=2)
        url = reverse("lti_run", args=[link.context.run.pk])
        self.login(self.ian)
        response = self.client.get(url)
        self.assertContains(response, "4 / 6")
        self.assertContains(response, "sent")
        self.assertContains(response, "Machine learning 101")
        for user in (self.alice, self.oscar):
            self.login(user)
            self.assertEqual(self.client.get(url).status_code, 403)


def test_the_sweep_of_unsent_scores_runs_on_a_background_worker():
    from django.conf import settings

    from torchgrade.queues import broker_queue

    options = settings.CELERY_BEAT_SCHEDULE["lti-send-pending-scores"]["options"]
    assert options == {"queue": broker_queue("cpu-background"), "priority": settings.GRADER_BACKGROUND_PRIORITY}
