import datetime
from unittest import mock

from django.utils import timezone

from courses.models import Chapter
from tests.base import BaseTestCase

TEXT_CHANGED = datetime.datetime(2025, 5, 6, 12, 0, tzinfo=datetime.UTC)


class ChapterFactsTestCase(BaseTestCase):
    url = "/courses/torch-101/tensors/"

    def test_the_page_shows_level_reading_time_and_last_update(self):
        self.chapter.level = "intermediate"
        self.chapter.updated = datetime.date(2025, 3, 14)
        self.chapter.save()
        r = self.client.get(self.url)
        self.assertContains(r, "Level: Intermediate")
        self.assertContains(r, "About 1 min read")
        self.assertContains(r, '<time datetime="2025-03-14">14 March 2025</time>', html=True)

    def test_reading_time_counts_words_and_code_at_200_a_minute_rounded_up(self):
        for words, minutes in ((3, 1), (200, 1), (201, 2), (1000, 5)):
            with self.subTest(words=words):
                self.chapter.body = "```python\n" + "x " * (words - 3) + "\n```\nend"  # the fences count too
                self.assertEqual(self.chapter.reading_minutes, minutes)

    def test_without_a_date_the_last_update_is_when_the_text_last_changed(self):
        with mock.patch("django.utils.timezone.now", return_value=TEXT_CHANGED):
            self.chapter.body += "\nA new paragraph.\n"
            self.chapter.save()
        self.chapter.position = 7  # not the text
        self.chapter.save()
        chapter = Chapter.objects.get(pk=self.chapter.pk)
        self.assertEqual(chapter.last_update, timezone.localdate(TEXT_CHANGED))
        self.chapter.faq = [{"q": "New?", "a": "Yes."}]
        self.chapter.save()
        self.assertEqual(Chapter.objects.get(pk=self.chapter.pk).last_update, timezone.localdate())

    def test_the_course_page_lists_each_chapters_level_and_reading_time(self):
        self.chapter2.level = "advanced"
        self.chapter2.body = "word " * 450
        self.chapter2.save()
        r = self.client.get("/courses/torch-101/")
        self.assertContains(r, "Beginner · about 1 min read")
        self.assertContains(r, "Advanced · about 3 min read")
