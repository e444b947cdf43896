from courses.models import Comment
from tests.base import BaseTestCase
from tests.grader.factories import make_exercise


class ChapterQueriesTestCase(BaseTestCase):
    """The most-read page stays cheap: its query count does not grow with comments or exercises."""

    def test_the_chapter_page_uses_a_fixed_number_of_queries(self):
        self.login(self.alice)
        url = "/courses/torch-101/tensors/"
        self.client.get(url)
        with self.assertNumQueries(9):
            self.client.get(url)
        for slug in ("one", "two", "three"):
            make_exercise(self.chapter, slug=slug)
        for i in range(5):
            Comment.objects.create(chapter=self.chapter, author=self.bob, body=f"comment {i}")
        with self.assertNumQueries(9):
            self.client.get(url)
