"""Read a course folder into plain data, checking everything before anything is imported.

Every problem is collected as `path:line: message` so an author sees all of them at once.
Other apps add folders inside a chapter (the grader adds `exercises/`) through
`register_chapter_extension`; the loader calls them with the same problem list.
"""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .policy import (
    LEVEL_BEGINNER,
    LEVEL_CHOICES,
    REVEAL_AFTER_EACH,
    REVEAL_CHOICES,
    SCORE_BEST,
    SCORE_CHOICES,
    policy_problem,
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
REQUIRED_HEADINGS = ("## Learning objectives", "## Common mistakes", "## Summary")
MIN_QUIZ_QUESTIONS = 6
MIN_INTERVIEW_QUESTIONS = 3
MAX_OPTIONS = 6
# A quiz whose correct option is the longest this often teaches test-taking, not PyTorch.
MAX_LONGEST_CORRECT_SHARE = 0.4


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.message}"


class Problems(list):
    def add(self, path, line, message):
        self.append(Problem(Path(path), line, message))


class CourseFolderInvalid(Exception):
    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class LineDict(dict):
    """A YAML mapping that remembers the line it started on (1-based)."""

    line = 0


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        mapping = LineDict(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        return mapping


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)


def load_yaml(path, problems, text=None, line_offset=0):
    """Parse YAML, returning None (and recording where) if it is not valid."""
    try:
        if text is None:
            text = Path(path).read_text(encoding="utf-8")
        data = yaml.load(text, Loader=_LineLoader)
    except UnicodeDecodeError as exc:
        problems.add(path, 1, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        problems.add(path, line, f"invalid YAML: {exc.problem or exc.context}")
        return None
    if data is not None and not isinstance(data, dict):
        problems.add(path, 1 + line_offset, "expected a mapping at the top level")
        return None
    if data is None:
        data = LineDict()
    if line_offset:
        _shift_lines(data, line_offset)
    return data


def _shift_lines(value, offset):
    if isinstance(value, LineDict):
        value.line += offset
        for item in value.values():
            _shift_lines(item, offset)
    elif isinstance(value, list):
        for item in value:
            _shift_lines(item, offset)


def require_text(mapping, key, path, problems):
    value = mapping.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.add(path, getattr(mapping, "line", 1), f"'{key}' must be non-empty text")
        return ""
    return value.strip()


def require_slug(mapping, key, path, problems):
    value = mapping.get(key)
    if not isinstance(value, str) or not SLUG_RE.match(value):
        problems.add(
            path, getattr(mapping, "line", 1), f"'{key}' must be lowercase-with-dashes, got {value!r}"
        )
        return None
    return value


def optional_bool(mapping, key, default, path, problems):
    value = mapping.get(key, default)
    if not isinstance(value, bool):
        problems.add(path, getattr(mapping, "line", 1), f"'{key}' must be true or false")
        return default
    return value


def optional_choice(mapping, key, choices, default, path, problems):
    value = mapping.get(key, default)
    names = [name for name, _ in choices]
    if value not in names:
        problems.add(path, getattr(mapping, "line", 1), f"'{key}' must be one of {', '.join(names)}, got {value!r}")
        return default
    return value


@dataclass
class OptionData:
    text: str
    correct: bool
    explanation: str


@dataclass
class QuestionData:
    key: str
    prompt: str
    options: list
    multiple: bool = False  # "choose all that apply" even with one correct option
    line: int = field(default=0, compare=False)

    @property
    def single_answer(self):
        return not self.multiple and sum(o.correct for o in self.options) == 1


@dataclass
class QuizPolicyData:
    attempts: int | None = None  # None: unlimited
    reveal: str = REVEAL_AFTER_EACH
    score: str = SCORE_BEST


@dataclass
class InterviewData:
    key: str
    prompt: str
    answer: str


@dataclass
class ChapterData:
    folder: Path
    slug: str
    title: str
    summary: str
    body: str
    faq: list
    published: bool
    level: str = LEVEL_BEGINNER
    updated: datetime.date | None = None
    quiz_policy: QuizPolicyData = field(default_factory=QuizPolicyData)
    questions: list = field(default_factory=list)
    interview: list = field(default_factory=list)
    extensions: dict = field(default_factory=dict)


@dataclass
class CourseData:
    folder: Path
    slug: str
    title: str
    description: str
    published: bool
    chapters: list


class ChapterExtension:
    """A folder inside each chapter that another app owns (e.g. `exercises/`)."""

    folder_name = ""

    def parse(self, folder, problems):
        """Return plain data for the folder (which may not exist), recording problems."""
        raise NotImplementedError

    def apply(self, chapter, data):
        """Create or update the database rows for one chapter."""
        raise NotImplementedError

    def export(self, chapter, folder):
        """Write the chapter's rows back as files inside `folder`."""
        raise NotImplementedError

    # The chapter page shows each extension's section: this template, given `section`.
    section_template = ""

    def section(self, chapter, user):
        """What the chapter page's section of this extension shows `user`."""
        raise NotImplementedError

    def after_import(self, course, validate):
        """Called once a course is imported; `validate` asks for its content to be checked.
        Returns a line for the importer's report, or ""."""
        return ""


_extensions = []


def register_chapter_extension(extension):
    if all(type(e) is not type(extension) for e in _extensions):
        _extensions.append(extension)


def chapter_extensions():
    return list(_extensions)


FRONT_MATTER_RE = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def parse_chapter_md(path, problems):
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.add(path, 1, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        return None
    match = FRONT_MATTER_RE.match(text)
    if not match:
        problems.add(path, 1, "missing front matter: the file must start with '---', YAML, '---'")
        return None
    # The front matter's first line is line 2 of the file.
    meta = load_yaml(path, problems, text=match.group(1), line_offset=1)
    if meta is None:
        return None
    body = text[match.end():]
    body_first_line = text[: match.end()].count("\n") + 1
    for heading in REQUIRED_HEADINGS:
        if not re.search(rf"^{re.escape(heading)}\s*$", body, re.M):
            problems.add(path, body_first_line, f"the body has no '{heading}' section")

    faq = []
    raw_faq = meta.get("faq", [])
    if not isinstance(raw_faq, list):
        problems.add(path, meta.line, "'faq' must be a list of {q, a} entries")
        raw_faq = []
    for entry in raw_faq:
        if not isinstance(entry, dict):
            problems.add(path, meta.line, "each faq entry must be a mapping with 'q' and 'a'")
            continue
        faq.append({"q": require_text(entry, "q", path, problems), "a": require_text(entry, "a", path, problems)})

    updated = meta.get("updated")
    # YAML reads 2025-01-31 as a date; a datetime is a date too, but not what the field means.
    if updated is not None and (not isinstance(updated, datetime.date) or isinstance(updated, datetime.datetime)):
        problems.add(path, meta.line, f"'updated' must be a date written YYYY-MM-DD, got {updated!r}")
        updated = None

    return ChapterData(
        folder=path.parent,
        slug=require_slug(meta, "slug", path, problems),
        title=require_text(meta, "title", path, problems),
        summary=str(meta.get("summary", "")).strip(),
        body=body,
        faq=faq,
        published=optional_bool(meta, "published", True, path, problems),
        level=optional_choice(meta, "level", LEVEL_CHOICES, LEVEL_BEGINNER, path, problems),
        updated=updated,
    )


def _question_list(path, problems, minimum, what, data):
    if data is None:
        return []
    questions = data.get("questions")
    if not isinstance(questions, list):
        problems.add(path, data.line or 1, "expected a 'questions' list")
        return []
    if len(questions) < minimum:
        problems.add(path, data.line or 1, f"a chapter needs at least {minimum} {what}, found {len(questions)}")
    seen = {}
    valid = []
    for raw in questions:
        if not isinstance(raw, dict):
            problems.add(path, data.line or 1, "each question must be a mapping")
            continue
        key = require_slug(raw, "id", path, problems)
        if key in seen:
            problems.add(path, raw.line, f"duplicate question id '{key}' (first on line {seen[key]})")
        elif key:
            seen[key] = raw.line
        valid.append(raw)
    return valid


def parse_quiz_policy(data, path, problems):
    raw = data.get("policy", {})
    if not isinstance(raw, dict):
        problems.add(path, data.line or 1, "'policy' must be a mapping of attempts, reveal and score")
        return QuizPolicyData()
    line = getattr(raw, "line", 1)
    unknown = sorted(set(raw) - {"attempts", "reveal", "score"})
    if unknown:
        problems.add(path, line, f"unknown policy key {unknown[0]!r} (the deadline is set in the admin)")
    attempts = raw.get("attempts")
    if attempts is not None and (isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1):
        problems.add(path, line, f"'attempts' must be a whole number of at least 1 (omit it for unlimited), got {attempts!r}")
        attempts = None
    policy = QuizPolicyData(
        attempts=attempts,
        reveal=optional_choice(raw, "reveal", REVEAL_CHOICES, REVEAL_AFTER_EACH, path, problems),
        score=optional_choice(raw, "score", SCORE_CHOICES, SCORE_BEST, path, problems),
    )
    problem = policy_problem(policy.attempts, policy.reveal)
    if problem:
        problems.add(path, line, problem)
    return policy


def parse_quiz(path, problems):
    """The quiz's questions and its policy."""
    data = load_yaml(path, problems)
    policy = QuizPolicyData() if data is None else parse_quiz_policy(data, path, problems)
    questions = []
    for raw in _question_list(path, problems, MIN_QUIZ_QUESTIONS, "quiz questions", data):
        prompt = require_text(raw, "prompt", path, problems)
        options = raw.get("options")
        if not isinstance(options, list) or not 3 <= len(options) <= MAX_OPTIONS:
            problems.add(path, raw.line, f"question '{raw.get('id')}' needs 3 to {MAX_OPTIONS} options")
            continue
        parsed = []
        for option in options:
            if not isinstance(option, dict):
                problems.add(path, raw.line, f"question '{raw.get('id')}': each option must be a mapping")
                continue
            parsed.append(
                OptionData(
                    text=require_text(option, "text", path, problems),
                    correct=optional_bool(option, "correct", False, path, problems),
                    explanation=require_text(option, "explanation", path, problems),
                )
            )
        correct = sum(o.correct for o in parsed)
        if not correct:
            problems.add(path, raw.line, f"question '{raw.get('id')}' has no correct option")
        multiple = optional_bool(raw, "multiple", False, path, problems)
        if raw.get("multiple") is False and correct > 1:
            problems.add(path, raw.line, f"question '{raw.get('id')}' says 'multiple: false' but {correct} options are correct")
        questions.append(QuestionData(key=raw.get("id"), prompt=prompt, options=parsed, multiple=multiple, line=raw.line))
    return questions, policy


def longest_correct(questions) -> tuple[list, list]:
    """(the single-answer questions whose correct option is the longest one, by characters and a
    tie counting as longest; all the single-answer questions)."""
    single = [q for q in questions if q.single_answer]
    longest = [
        q for q in single
        if len(next(o for o in q.options if o.correct).text) >= max(len(o.text) for o in q.options)
    ]
    return longest, single


def longest_correct_problem(path, questions):
    """A Problem when the correct option is the longest in more than MAX_LONGEST_CORRECT_SHARE of
    the single-answer questions (length would give the answer away), else None."""
    longest, single = longest_correct(questions)
    if not single or len(longest) / len(single) <= MAX_LONGEST_CORRECT_SHARE:
        return None
    share = len(longest) / len(single)
    return Problem(Path(path), longest[0].line, (
        f"the correct option is the longest in {len(longest)} of {len(single)} single-answer questions "
        f"({share:.0%}, keep it at most {MAX_LONGEST_CORRECT_SHARE:.0%}): {', '.join(q.key for q in longest)}"
    ))


def parse_interview(path, problems):
    return [
        InterviewData(
            key=raw.get("id"),
            prompt=require_text(raw, "prompt", path, problems),
            answer=require_text(raw, "answer", path, problems),
        )
        for raw in _question_list(
            path, problems, MIN_INTERVIEW_QUESTIONS, "interview questions", load_yaml(path, problems))
    ]


def parse_course(folder):
    """Parse and check a whole course folder; raise CourseFolderInvalid listing every problem."""
    folder = Path(folder)
    problems = Problems()
    course_file = folder / "course.yaml"
    if not course_file.is_file():
        problems.add(course_file, 1, "missing file")
        raise CourseFolderInvalid(problems)
    meta = load_yaml(course_file, problems)
    if meta is None:
        raise CourseFolderInvalid(problems)

    chapters = []
    chapter_dirs = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not chapter_dirs:
        problems.add(course_file, 1, "the course has no chapter folders")
    seen_slugs = {}
    for chapter_dir in chapter_dirs:
        for name in ("chapter.md", "quiz.yaml", "interview.yaml"):
            if not (chapter_dir / name).is_file():
                problems.add(chapter_dir / name, 1, "missing file")
        if not (chapter_dir / "chapter.md").is_file():
            continue
        chapter = parse_chapter_md(chapter_dir / "chapter.md", problems)
        if chapter is None:
            continue
        if chapter.slug in seen_slugs:
            problems.add(
                chapter_dir / "chapter.md", 2,
                f"duplicate chapter slug '{chapter.slug}' (also in {seen_slugs[chapter.slug]})",
            )
        seen_slugs[chapter.slug] = chapter_dir.name
        if (chapter_dir / "quiz.yaml").is_file():
            chapter.questions, chapter.quiz_policy = parse_quiz(chapter_dir / "quiz.yaml", problems)
            giveaway = longest_correct_problem(chapter_dir / "quiz.yaml", chapter.questions)
            if giveaway:
                problems.append(giveaway)
        if (chapter_dir / "interview.yaml").is_file():
            chapter.interview = parse_interview(chapter_dir / "interview.yaml", problems)
        for extension in chapter_extensions():
            chapter.extensions[extension.folder_name] = extension.parse(
                chapter_dir / extension.folder_name, problems
            )
        chapters.append(chapter)

    course = CourseData(
        folder=folder,
        slug=require_slug(meta, "slug", course_file, problems),
        title=require_text(meta, "title", course_file, problems),
        description=str(meta.get("description", "")).strip(),
        published=optional_bool(meta, "published", True, course_file, problems),
        chapters=chapters,
    )
    if problems:
        raise CourseFolderInvalid(problems)
    return course
