from unittest import mock

from django.test import SimpleTestCase

from courses import markdown
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


def sanitised(raw_html):
    """The nh3 step alone: what render_markdown keeps of HTML that markdown-it had let through."""
    with mock.patch.object(markdown._md, "render", return_value=raw_html):
        return render_markdown.__wrapped__("(ignored: the renderer is replaced)")


def rendered_unsanitised(text):
    """The Markdown renderer alone, with the nh3 step turned off."""
    with mock.patch.object(markdown.nh3, "clean", side_effect=lambda html, **options: html):
        return render_markdown.__wrapped__(text)


class HtmlSanitiserTestCase(SimpleTestCase):
    """Raw HTML straight into the nh3 step, as if the Markdown renderer had passed it through."""

    def test_it_removes_scripts_with_their_content(self):
        for raw in ("<script>alert(1)</script>ok", "<SCRIPT SRC=//evil.example/x.js></SCRIPT>ok",
                    "<svg><script>alert(1)</script></svg>ok", "<noscript><p title=\"</noscript><script>\">ok"):
            html = sanitised(raw)
            self.assertNotIn("<script", html.lower(), raw)
            self.assertNotIn("alert(1)", html, raw)

    def test_it_removes_event_handlers_and_keeps_the_element(self):
        html = sanitised('<img src="https://pytorch.org/a.png" onerror="alert(1)" alt="a">'
                         '<p onclick="x()" onmouseover="y()">p</p>'
                         '<details ontoggle="z()" open><summary>s</summary></details>')
        self.assertEqual(html, '<img src="https://pytorch.org/a.png" alt="a"><p>p</p>'
                               '<details><summary>s</summary></details>')

    def test_it_removes_javascript_and_data_urls(self):
        for raw in ('<a href="javascript:alert(1)">x</a>', '<a href="JaVaScRiPt:alert(1)">x</a>',
                    '<a href="java&#x09;script:alert(1)">x</a>', '<a href=" javascript:alert(1)">x</a>',
                    '<a href="vbscript:msgbox(1)">x</a>', '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>'):
            self.assertEqual(sanitised(raw), '<a rel="noopener">x</a>', raw)
        self.assertEqual(sanitised('<img src="data:text/html,<script>alert(1)</script>">'), "<img>")
        self.assertEqual(sanitised('<a href="https://pytorch.org" target="_blank">ok</a>'),
                         '<a href="https://pytorch.org" rel="noopener">ok</a>')

    def test_it_removes_styles(self):
        html = sanitised('<style>body { display: none }</style><p style="position:fixed;top:0">p</p>'
                         '<span style="background:url(javascript:alert(1))">s</span>')
        self.assertEqual(html, "<p>p</p><span>s</span>")

    def test_it_removes_frames_objects_forms_and_page_level_tags(self):
        html = sanitised('<iframe src="https://evil.example"></iframe><frameset></frameset>'
                         '<object data="x"></object><embed src="x">'
                         '<form action="https://evil.example"><input name="password"></form>'
                         '<base href="https://evil.example/">'
                         '<meta http-equiv="refresh" content="0;url=https://evil.example">'
                         '<link rel="stylesheet" href="https://evil.example/x.css">ok')
        self.assertEqual(html, "ok")

    def test_it_keeps_only_the_attributes_it_allows(self):
        html = sanitised('<span class="c1" id="x" data-x="1">s</span>'
                         '<pre class="highlight" hidden><code class="k">c</code></pre>')
        self.assertEqual(html, '<span class="c1">s</span><pre class="highlight"><code class="k">c</code></pre>')


class MarkdownRendererTestCase(SimpleTestCase):
    """The renderer alone, without the nh3 step: it shows raw HTML as text and refuses script links."""

    def test_it_escapes_raw_html(self):
        html = rendered_unsanitised('<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">')
        self.assertNotIn("<script", html)
        self.assertNotIn("<img", html)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", html)

    def test_it_does_not_link_script_urls(self):
        html = rendered_unsanitised("[a](javascript:alert(1)) [b](vbscript:x) [c](data:text/html,x) "
                                    "[d](https://pytorch.org)")
        self.assertNotIn('href="javascript', html)
        self.assertNotIn('href="vbscript', html)
        self.assertNotIn('href="data', html)
        self.assertIn('href="https://pytorch.org"', html)


class MathTestCase(SimpleTestCase):
    """TeX between dollars reaches the page untouched, escaped, in elements that KaTeX typesets."""

    def test_inline_math_keeps_underscores_asterisks_and_backslashes(self):
        html = render_markdown(r"The mean $\bar x = \frac{1}{n}\sum_i x_i$ of *x*, and $a*b*c$ or $a_1 b_2$.")
        self.assertIn(r'<span class="math">\bar x = \frac{1}{n}\sum_i x_i</span>', html)
        self.assertIn('<span class="math">a*b*c</span>', html)
        self.assertIn('<span class="math">a_1 b_2</span>', html)
        self.assertIn("<em>x</em>", html)

    def test_display_math_as_a_block_or_inline(self):
        html = render_markdown("Loss:\n$$\nL = \\frac{1}{n} \\sum_i (y_i - \\hat y_i)^2\n$$\nand $$e^{i\\pi}$$ too.")
        self.assertIn('<div class="math display">L = \\frac{1}{n} \\sum_i (y_i - \\hat y_i)^2</div>', html)
        self.assertIn('<span class="math display">e^{i\\pi}</span>', html)
        self.assertEqual(render_markdown("$$ x^2 $$"), '<div class="math display">x^2</div>\n')

    def test_prices_code_and_escaped_dollars_are_not_math(self):
        for text in ("It costs $5 and $10.", "A lone $ sign.", "`$x$` in code", r"\$x\$ escaped", "$ x $ spaced"):
            self.assertNotIn('class="math', render_markdown(text), text)
        self.assertIn('<span class="math">x</span>', render_markdown(r"\$5 then $x$"))

    def test_a_dollar_inside_the_tex_is_escaped_by_a_backslash(self):
        self.assertIn(r'<span class="math">\$ 5</span>', render_markdown(r"$\$ 5$"))

    def test_html_inside_math_is_text(self):
        html = render_markdown('$<img src=x onerror="alert(1)">$ and $$</span><script>alert(2)</script>$$')
        self.assertNotIn("<img", html)
        self.assertNotIn("<script", html)
        self.assertIn('<span class="math">&lt;img src=x onerror="alert(1)"&gt;</span>', html)

    def test_the_sanitiser_keeps_the_math_elements(self):
        html = sanitised('<span class="math">x</span><div class="math display">y</div>')
        self.assertEqual(html, '<span class="math">x</span><div class="math display">y</div>')
