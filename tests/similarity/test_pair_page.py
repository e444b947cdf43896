from django.urls import reverse


from .base import SimilarityTestCase

SCRIPT = "import torch\n\ndef outer(a, b):\n    s = '<script>alert(1)</script>'\n    return a<b & b>a\n"


class PairPageTest(SimilarityTestCase):
    def setUp(self):
        super().setUp()
        self.enroll(self.alice, self.bob)
        self.alices = self.graded(self.alice, 6, code=SCRIPT)
        self.bobs = self.graded(self.bob, 6, code=SCRIPT)
        start = SCRIPT.index("s = ")
        report = self.done_report([(self.alices, self.bobs, 0.8, [[start, len(SCRIPT)]], [[0, 12]])])
        self.url = reverse("similarity_pair", args=[report.pairs.get().pk])

    def test_it_is_for_the_runs_reviewers_only(self):
        self.assert_reviewers_only(self.url)

    def test_it_shows_both_submissions_escaped_with_their_matches_marked(self):
        self.login(self.ian)
        response = self.client.get(self.url)
        self.assertNotContains(response, "<script>alert")
        self.assertContains(response, "<mark>s = &#x27;&lt;script&gt;alert(1)&lt;/script&gt;&#x27;\n"
                                      "    return a&lt;b &amp; b&gt;a\n</mark>", html=False)
        self.assertContains(response, "<mark>import torch</mark>\n\ndef outer(a, b):")
        self.assertContains(response, "not evidence of misconduct")

    def test_it_links_to_each_submissions_staff_page(self):
        self.login(self.ian)
        response = self.client.get(self.url)
        for submission in (self.alices, self.bobs):
            self.assertContains(response, reverse("staff_submission", args=[submission.pk]))
