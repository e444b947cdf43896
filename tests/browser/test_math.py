"""Math in a chapter is typeset by the site's own KaTeX, and stays readable without JavaScript."""

import pytest
from playwright.sync_api import expect

from courses.models import Course
from tests.base import make_chapter

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BODY = r"""## Learning objectives
The mean squared error of $n$ predictions $\hat y_i$ is

$$
L = \frac{1}{n} \sum_{i=1}^{n} (y_i - \hat y_i)^2
$$

and a link in TeX, $\href{javascript:alert(1)}{click}$, is not a link.
## Common mistakes
## Summary
"""


@pytest.fixture
def chapter_url(transactional_db, live_server):
    chapter = make_chapter(Course.objects.create(slug="torch-101", title="Torch 101"), "loss", 1)
    chapter.body = BODY
    chapter.save()
    return live_server.url + chapter.get_absolute_url()


def test_math_is_typeset_by_katex(page, chapter_url, assert_accessible, screenshot):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(chapter_url)
    prose = page.locator(".chapter .prose")
    expect(prose.locator(".katex-display")).to_have_count(1)
    expect(prose.locator("span.math > .katex")).to_have_count(3)
    expect(prose.locator(".katex-display .katex-mathml annotation")).to_have_text(
        r"L = \frac{1}{n} \sum_{i=1}^{n} (y_i - \hat y_i)^2")
    expect(prose.locator(".katex-display")).to_contain_text("∑")
    assert prose.locator(".katex a").count() == 0 and not dialogs
    assert_accessible(page)
    screenshot("typeset")


def test_without_javascript_the_tex_source_is_visible(browser, chapter_url, screenshot):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(chapter_url)
    prose = page.locator(".chapter .prose")
    expect(prose.locator("div.math")).to_have_text(r"L = \frac{1}{n} \sum_{i=1}^{n} (y_i - \hat y_i)^2")
    expect(prose.locator("span.math").first).to_have_text("n")
    expect(prose.locator("span.math").nth(1)).to_be_visible()
    expect(prose.locator(".katex")).to_have_count(0)
    context.close()
