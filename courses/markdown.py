"""Markdown to safe HTML for everything authored (chapters, quizzes) or posted (comments).

markdown-it renders, Pygments highlights code blocks, and nh3 sanitises the result last, so an
instructor's `<script>` or `onerror=` never reaches a page, whatever the Markdown contained.
"""

import functools

import nh3
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

_formatter = HtmlFormatter(nowrap=True)

ALLOWED_TAGS = nh3.ALLOWED_TAGS | {"span", "pre", "code", "details", "summary"}
ALLOWED_ATTRIBUTES = {
    **nh3.ALLOWED_ATTRIBUTES,
    "span": {"class"},
    "pre": {"class"},
    "code": {"class"},
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
}


def _highlight(code, language, _attrs):
    try:
        lexer = get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    # Returning HTML that starts with <pre keeps markdown-it from wrapping it a second time.
    return f'<pre class="highlight"><code>{highlight(code, lexer, _formatter)}</code></pre>'


_md = MarkdownIt("commonmark", {"highlight": _highlight, "html": False}).enable("table")


@functools.lru_cache(maxsize=2048)
def render_markdown(text):
    html = _md.render(text or "")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, link_rel="noopener")
