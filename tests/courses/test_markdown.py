from django.test import SimpleTestCase

from courses.markdown import render_markdown


class RenderMarkdownTestCase(SimpleTestCase):
    def test_it_drops_script_tags(self):
        html = render_markdown("Hi <script>alert(1)</script>")
        self.assertNotIn("<script", html)

    def test_it_drops_event_handlers(self):
        html = render_markdown('<img src="x" onerror="alert(1)">\n\n<p onclick="x()">p</p>')
        self.assertNotIn("<img", html)
        self.assertNotIn("<p onclick", html)
        self.assertIn("&lt;img src=", html, "raw HTML is shown as text, not dropped silently")

    def test_it_neutralises_javascript_links(self):
        html = render_markdown("[click](javascript:alert(1)) and [ok](https://pytorch.org)")
        self.assertNotIn('href="javascript', html)
        self.assertIn('href="https://pytorch.org"', html)

    def test_it_highlights_python_once(self):
        html = render_markdown("```python\nx = torch.zeros(3)  # make\n```")
        self.assertEqual(html.count("<pre"), 1)
        self.assertIn('<span class="c1"># make</span>', html)

    def test_it_renders_tables(self):
        html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |")
        self.assertIn("<table>", html)
