"""courses/ knows other apps only through its chapter-extension hook: it never imports them."""

import ast
from pathlib import Path


from tests.base import BaseTestCase
from tests.grader.factories import make_exercise

COURSES = Path(__file__).resolve().parents[2] / "courses"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_courses_imports_nothing_of_the_grader():
    offenders = {str(path.relative_to(COURSES)): sorted(name for name in imported_modules(path)
                                                         if name.split(".")[0] in ("grader", "staff"))
                 for path in COURSES.rglob("*.py")}
    assert {path: names for path, names in offenders.items() if names} == {}


class ChapterSectionTestCase(BaseTestCase):
    def test_the_chapter_page_lists_published_exercises_through_the_hook(self):
        make_exercise(self.chapter, slug="outer")
        make_exercise(self.chapter, slug="draft", published=False)
        self.login(self.alice)
        page = self.client.get("/courses/torch-101/tensors/")
        self.assertContains(page, "/courses/torch-101/tensors/exercises/outer/")
        self.assertNotContains(page, "/exercises/draft/")
        self.login(self.ian)
        self.assertContains(self.client.get("/courses/torch-101/tensors/"), "/exercises/draft/")
