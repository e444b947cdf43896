from django.urls import reverse

from courses.models import Chapter, Option
from tests.authoring.forms import chapter_form
from tests.base import BaseTestCase, make_chapter


class AdminScopeTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.ian.is_staff = self.oscar.is_staff = True
        self.ian.save()
        self.oscar.save()
        self.others = make_chapter(self.other_course, "elsewhere", 1)

    def test_instructor_changes_a_chapter_of_their_course(self):
        self.login(self.ian)
        url = reverse("admin:courses_chapter_change", args=[self.chapter.pk])
        self.assertContains(self.client.get(url), "Student view")
        response = self.client.post(url, chapter_form(self.chapter, title="Tensors, revised",
                                                      body="## Learning objectives\r\n<script>x</script>*new*\r\n"))
        self.assertRedirects(response, reverse("admin:courses_chapter_changelist"))
        self.chapter.refresh_from_db()
        self.assertEqual(self.chapter.title, "Tensors, revised")
        # Saved as the course folder stores it (LF), and rendered through the sanitiser.
        self.assertEqual(self.chapter.body, "## Learning objectives\n<script>x</script>*new*")
        self.assertNotIn("<script", self.chapter.body_html)

    def test_instructor_opens_every_authoring_page(self):
        self.login(self.ian)
        for name in ("course", "chapter", "question", "interviewquestion"):
            with self.subTest(name):
                self.assertEqual(self.client.get(reverse(f"admin:courses_{name}_changelist")).status_code, 200)
        for url in (reverse("admin:courses_course_change", args=[self.course.pk]),
                    reverse("admin:courses_question_add"), reverse("admin:courses_interviewquestion_add"),
                    reverse("admin:courses_chapter_add"), reverse("admin:grader_exercise_add"),
                    reverse("admin:grader_exercise_changelist")):
            with self.subTest(url):
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_instructor_sees_only_their_courses_rows(self):
        self.login(self.ian)
        changelist = self.client.get(reverse("admin:courses_chapter_changelist"))
        self.assertContains(changelist, self.chapter.title)
        self.assertNotContains(changelist, self.others.title)
        for name, row in [("chapter", self.others), ("question", self.others.questions.first()),
                          ("interviewquestion", self.others.interview_questions.first()),
                          ("course", self.other_course)]:
            with self.subTest(name):
                url = reverse(f"admin:courses_{name}_change", args=[row.pk])
                self.assertRedirects(self.client.get(url), reverse("admin:index"))  # "does not exist"
                self.client.post(url, {"title": "taken over"})
        self.others.refresh_from_db()
        self.assertEqual(self.others.title, "Chapter elsewhere")

    def test_instructor_cannot_move_a_chapter_into_another_course(self):
        self.login(self.ian)
        url = reverse("admin:courses_chapter_change", args=[self.chapter.pk])
        form = self.client.get(url).context["adminform"].form
        self.assertEqual(list(form.fields["course"].queryset), [self.course])
        response = self.client.post(url, chapter_form(self.chapter, course=self.other_course.pk))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Chapter.objects.get(pk=self.chapter.pk).course, self.course)

    def test_instructor_may_not_add_or_delete_courses(self):
        self.login(self.ian)
        self.assertEqual(self.client.get(reverse("admin:courses_course_add")).status_code, 403)
        self.assertEqual(self.client.get(reverse("admin:courses_course_delete", args=[self.course.pk])).status_code, 403)

    def test_superuser_sees_every_course(self):
        self.login(self.ada)
        changelist = self.client.get(reverse("admin:courses_chapter_changelist"))
        self.assertContains(changelist, self.chapter.title)
        self.assertContains(changelist, self.others.title)

    def test_student_is_sent_to_the_admin_login(self):
        self.assertContains(self.client.get(reverse("admin:login")), "Log in")
        self.login(self.alice)
        for url in (reverse("admin:index"), reverse("admin:courses_chapter_change", args=[self.chapter.pk])):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302)
            self.assertIn(reverse("admin:login"), response["Location"])

    def test_adding_an_instructor_lets_them_log_in_to_the_admin(self):
        self.login(self.ada)
        url = reverse("admin:courses_course_change", args=[self.course.pk])
        response = self.client.post(url, {"slug": self.course.slug, "title": self.course.title,
                                          "description": "", "published": "on",
                                          "instructors": [self.ian.pk, self.bob.pk]})
        self.assertEqual(response.status_code, 302)
        self.bob.refresh_from_db()
        self.assertTrue(self.bob.is_staff)


class QuizAdminTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.ian.is_staff = True
        self.ian.save()
        self.question = self.chapter.questions.get(key="single")
        self.url = reverse("admin:courses_question_change", args=[self.question.pk])

    def post(self, options):
        data = {
            "chapter": self.chapter.pk, "key": "single", "position": 1, "prompt": "Pick *b*.",
            "options-TOTAL_FORMS": len(options), "options-INITIAL_FORMS": 0,
            "options-MIN_NUM_FORMS": 3, "options-MAX_NUM_FORMS": 6,
        }
        self.question.options.all().delete()
        for i, (position, text, correct) in enumerate(options):
            data.update({f"options-{i}-position": position, f"options-{i}-text": text,
                         f"options-{i}-explanation": f"Because {text}.", f"options-{i}-question": self.question.pk})
            if correct:
                data[f"options-{i}-correct"] = "on"
        self.login(self.ian)
        return self.client.post(self.url, data)

    def test_options_get_keys_in_position_order_as_import_gives_them(self):
        response = self.post([(5, "C", False), (1, "A", True), (3, "B", False)])
        self.assertEqual(response.status_code, 302)
        self.assertEqual(list(Option.objects.filter(question=self.question).values_list("key", "text")),
                         [("a", "A"), ("b", "B"), ("c", "C")])

    def test_a_question_needs_a_correct_option_and_three_options(self):
        self.assertContains(self.post([(0, "A", False), (1, "B", False), (2, "C", False)]),
                            "Mark at least one option correct.")
        self.assertContains(self.post([(0, "A", True), (1, "B", False)]), "A question needs 3 to 6 options.")


class DeletingTestCase(BaseTestCase):
    """Deleting rows that hold students' work is for admins only; options are free to edit."""

    def setUp(self):
        super().setUp()
        self.ian.is_staff = True
        self.ian.save()

    def test_an_instructor_cannot_delete_a_chapter_but_an_admin_can(self):
        url = reverse("admin:courses_chapter_delete", args=[self.chapter.pk])
        self.login(self.ian)
        self.assertEqual(self.client.post(url, {"post": "yes"}).status_code, 403)
        self.assertTrue(Chapter.objects.filter(pk=self.chapter.pk).exists())
        self.login(self.ada)
        self.client.post(url, {"post": "yes"})
        self.assertFalse(Chapter.objects.filter(pk=self.chapter.pk).exists())
