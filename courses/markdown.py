"""Markdown to safe HTML for everything authored (chapters, quizzes) or posted (comments).

markdown-it renders, Pygments highlights code blocks, and nh3 sanitises the result last, so an
instructor's `<script>` or `onerror=` never reaches a page, whatever the Markdown contained.

Math is TeX between dollars, as in pandoc: `$...$` inline (no space just inside the dollars, no
digit just after the closing one, so "$5 and $10" stays text), `$$...$$` displayed, inline or as a
block (a line `$$`, the TeX, a line `$$`; or one line `$$ ... $$`). Markdown never touches the
TeX (underscores, asterisks, backslashes); it is escaped into `<span class="math">` (or
`<span class="math display">`, `<div class="math display">`), readable as it stands, which
static/js/math.js hands to KaTeX as text.
"""

import functools

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

_formatter = HtmlFormatter(nowrap=True)

ALLOWED_TAGS = nh3.ALLOWED_TAGS | {"span", "div", "pre", "code", "details", "summary"}
ALLOWED_ATTRIBUTES = {
    **nh3.ALLOWED_ATTRIBUTES,
    "span": {"class"},
    "div": {"class"},
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


def _closing_dollar(src, start, end):
    """The index of the `$` that closes inline math opened just before `start`, or -1."""
    pos = start
    while pos < end:
        if src[pos] == "\\":
            pos += 2  # \$ is a dollar sign inside the TeX
            continue
        if src[pos] == "$" and not src[pos - 1].isspace() and not (pos + 1 < end and src[pos + 1].isdigit()):
            return pos
        pos += 1
    return -1


def _math_inline(state, silent):
    src, pos, end = state.src, state.pos, state.posMax
    if src[pos] != "$":
        return False
    if src.startswith("$$", pos):
        close = src.find("$$", pos + 2, end)
        if close == -1 or not src[pos + 2:close].strip():
            return False
        kind, tex, after = "math_display", src[pos + 2:close], close + 2
    else:
        if pos + 1 >= end or src[pos + 1].isspace():
            return False
        close = _closing_dollar(src, pos + 1, end)
        if close == -1:
            return False
        kind, tex, after = "math_inline", src[pos + 1:close], close + 1
    if not silent:
        state.push(kind, "span", 0).content = tex
    state.pos = after
    return True


def _math_block(state, start_line, end_line, silent):
    def line_text(line):
        return state.src[state.bMarks[line] + state.tShift[line]:state.eMarks[line]].strip()

    if state.sCount[start_line] - state.blkIndent >= 4:  # an indented code block
        return False
    first = line_text(start_line)
    if not first.startswith("$$"):
        return False
    if first != "$$":
        if len(first) <= 4 or not first.endswith("$$"):
            return False
        tex, last_line = first[2:-2], start_line
    else:
        last_line = next((line for line in range(start_line + 1, end_line) if line_text(line) == "$$"), None)
        if last_line is None:
            return False
        tex = state.getLines(start_line + 1, last_line, state.blkIndent, False)
    if not silent:
        token = state.push("math_block", "div", 0)
        token.content, token.map, token.block = tex, [start_line, last_line + 1], True
    state.line = last_line + 1
    return True


_md = MarkdownIt("commonmark", {"highlight": _highlight, "html": False}).enable("table")
_md.inline.ruler.before("escape", "math", _math_inline)
_md.block.ruler.before("fence", "math_block", _math_block, {"alt": ["paragraph", "reference", "blockquote", "list"]})
_md.add_render_rule("math_inline", lambda self, tokens, i, options, env:
                    f'<span class="math">{escapeHtml(tokens[i].content)}</span>')
_md.add_render_rule("math_display", lambda self, tokens, i, options, env:
                    f'<span class="math display">{escapeHtml(tokens[i].content)}</span>')
_md.add_render_rule("math_block", lambda self, tokens, i, options, env:
                    f'<div class="math display">{escapeHtml(tokens[i].content.strip())}</div>\n')


@functools.lru_cache(maxsize=2048)
def render_markdown(text):
    html = _md.render(text or "")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, link_rel="noopener")
