"""The shared test base: a small course and the people who use it.

alice and bob are students, ian instructs the course, ada is an admin, and oscar instructs a
different course (to show that instructors only reach their own).
"""

from django.contrib.auth.models import User
from django.test import TestCase

from courses.models import Chapter, Course, InterviewQuestion, Option, Question

PASSWORD = "correct horse battery staple"


def make_chapter(course, slug, position, published=True):
    chapter = Chapter.objects.create(
        course=course, slug=slug, position=position, title=f"Chapter {slug}",
        summary=f"About {slug}.", published=published,
        body="## Learning objectives\n- learn\n\n```python\nx = 1\n```\n## Common mistakes\n## Summary\n",
        faq=[{"q": "Is this a question?", "a": "Yes, **it is**."}],
    )
    single = Question.objects.create(chapter=chapter, key="single", position=1, prompt="Pick *b*.")
    for i, (text, correct) in enumerate([("A", False), ("B", True), ("C", False)]):
        Option.objects.create(question=single, key="abc"[i], position=i, text=text, correct=correct,
                              explanation=f"Because {text}.")
    multiple = Question.objects.create(chapter=chapter, key="multiple", position=2, prompt="Pick a and c.")
    for i, (text, correct) in enumerate([("A", True), ("B", False), ("C", True)]):
        Option.objects.create(question=multiple, key="abc"[i], position=i, text=text, correct=correct,
                              explanation=f"Because {text}.")
    InterviewQuestion.objects.create(chapter=chapter, key="why", position=1, prompt="Why?",
                                     model_answer="Because **tensors**.")
    return chapter


class BaseTestCase(TestCase):
    def setUp(self):
        super().setUp()
        self.alice = User.objects.create_user("alice", "alice@example.org", PASSWORD)
        self.bob = User.objects.create_user("bob", "bob@example.org", PASSWORD)
        self.ian = User.objects.create_user("ian", "ian@example.org", PASSWORD)
        self.oscar = User.objects.create_user("oscar", "oscar@example.org", PASSWORD)
        self.ada = User.objects.create_superuser("ada", "ada@example.org", PASSWORD)

        self.course = Course.objects.create(slug="torch-101", title="Torch 101", description="Learn *torch*.")
        self.course.instructors.add(self.ian)
        self.other_course = Course.objects.create(slug="other", title="Other course")
        self.other_course.instructors.add(self.oscar)

        self.chapter = make_chapter(self.course, "tensors", 1)
        self.chapter2 = make_chapter(self.course, "autograd", 2)
        self.draft = make_chapter(self.course, "draft", 3, published=False)

    def login(self, user):
        self.client.force_login(user)

    def assert_staff_only(self, url, also_refused=()):
        """A GET of `url`: 403 for a student, another course's instructor and `also_refused` (say a
        teaching assistant), the page itself (200, not a redirect to the log-in page) for the
        course's instructor and an admin."""
        refused = [(user, 403) for user in (self.alice, self.oscar, *also_refused)]
        for user, status in (*refused, (self.ian, 200), (self.ada, 200)):
            self.login(user)
            self.assertEqual(self.client.get(url).status_code, status, f"{user} on {url}")
