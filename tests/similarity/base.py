"""Students' solutions of the outer-product exercise (tests.grader.factories), for the similarity tests."""

from django.contrib.auth.models import User

from runs.models import CourseRun, Enrollment
from similarity.models import SimilarityReport
from similarity.report import Match
from tests.staff.base import StaffTestCase

LOOPS = '''import torch

def outer(a, b):
    """The outer product, one row at a time."""
    rows = []
    for i in range(a.shape[0]):
        row = []
        for j in range(b.shape[0]):
            row.append(a[i] * b[j])
        rows.append(torch.stack(row))
    return torch.stack(rows)
'''
# LOOPS copied, its names changed and a comment added.
RENAMED = '''import torch

def outer(x, y):
    # my own work
    result = []
    for k in range(x.shape[0]):
        line = []
        for m in range(y.shape[0]):
            line.append(x[k] * y[m])
        result.append(torch.stack(line))
    return torch.stack(result)
'''
# LOOPS's loops, kept, with a different inside.
PARTLY_COPIED = '''import torch

def outer(a, b):
    rows = []
    for i in range(a.shape[0]):
        row = []
        for j in range(b.shape[0]):
            row.append(float(a[i]) * float(b[j]))
        rows.append(row)
    return torch.tensor(rows)
'''
ZEROS = '''import torch

def outer(a, b):
    out = torch.zeros(len(a), len(b))
    for index, value in enumerate(a):
        out[index] = value * b
    return out
'''
EINSUM = '''import torch

def outer(a, b):
    return torch.einsum("i,j->ij", a, b)
'''


class SimilarityTestCase(StaffTestCase):
    """The course's open run, carol and dan as more students, and a spring run with its own TA."""

    def setUp(self):
        super().setUp()
        self.run = self.course.runs.get()
        self.carol = self.make_user("carol")
        self.dan = self.make_user("dan")
        self.spring = CourseRun.objects.create(course=self.course, slug="spring", title="Spring")
        self.tina = self.make_user("tina")  # a TA of the spring run only
        Enrollment.objects.create(run=self.spring, user=self.tina, role=Enrollment.TA)

    def make_user(self, name):
        return User.objects.create_user(name, f"{name}@example.org", "x")

    def assert_reviewers_only(self, url):
        """403 for a student, another course's instructor and another run's TA; the page for this
        run's TA, the course's instructor and an admin."""
        tom = self.make_user("tom")
        Enrollment.objects.create(run=self.run, user=tom, role=Enrollment.TA)
        for user, status in ((self.alice, 403), (self.oscar, 403), (self.tina, 403),
                             (tom, 200), (self.ian, 200), (self.ada, 200)):
            self.login(user)
            self.assertEqual(self.client.get(url).status_code, status, user)

    def done_report(self, pairs=()):
        """A finished report of the open run with `pairs`: (first, second, similarity, first_regions, second_regions)."""
        report = SimilarityReport.objects.create(exercise=self.exercise, run=self.run, requested_by=self.ian)
        report.finish(len(pairs) * 2, [
            Match(first, second, similarity, 40, first_regions, second_regions)
            for first, second, similarity, first_regions, second_regions in pairs])
        return report
