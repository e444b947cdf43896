"""The `exercises/` folder of a chapter: read, import and export graded exercises.

    exercises/<slug>/exercise.yaml   the spec (see judging.spec)
    exercises/<slug>/prompt.md       what the student reads
    exercises/<slug>/starter.py      the editor's initial code
    exercises/<slug>/solution.py     the reference solution: never shown to a student, never
                                     run in a student's sandbox (it has its own run)
    exercises/<slug>/provided.py     optional helper module the student's code may `import provided`:
                                     shown read-only on the exercise page, stored in the spec
                                     (spec.provided) so that it belongs to the exercise version
    exercises/<slug>/alternatives/*.py, mistakes/*.py
                                     self-tests (judging.selftest), stored in spec.selftests so
                                     that validation runs them wherever it runs
"""

import ast
import re
from dataclasses import dataclass

from courses.loader import SLUG_RE, ChapterExtension, load_yaml

from judging.reader import read_spec
from judging.spec import ALTERNATIVES, MISTAKES, ExerciseSpec

from .models import Exercise, ExerciseValidation

FILES = ("exercise.yaml", "prompt.md", "starter.py", "solution.py")
PROVIDED_FILE = "provided.py"


@dataclass
class ExerciseData:
    slug: str
    spec: ExerciseSpec
    spec_source: str
    prompt: str
    starter: str
    solution: str


def read_text(path, problems):
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.add(path, 1, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        return None


def check_python(path, text, problems):
    try:
        ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        problems.add(path, exc.lineno or 1, f"syntax error: {exc.msg}")


def read_exercise(exercise_dir, problems) -> ExerciseData | None:
    """One exercise folder, checked; None (with its problems recorded) if it cannot be used."""
    missing = [name for name in FILES if not (exercise_dir / name).is_file()]
    for name in missing:
        problems.add(exercise_dir / name, 1, "missing file")
    if missing:
        return None
    texts = {name: read_text(exercise_dir / name, problems) for name in FILES}
    if None in texts.values():
        return None
    data = load_yaml(exercise_dir / "exercise.yaml", problems, text=texts["exercise.yaml"])
    if data is None:
        return None
    spec = read_spec(exercise_dir / "exercise.yaml", data, problems)
    for name in ("starter.py", "solution.py"):
        check_python(exercise_dir / name, texts[name], problems)
    provided = {}
    provided_path = exercise_dir / PROVIDED_FILE
    if provided_path.is_file():
        text = read_text(provided_path, problems)
        if text is None:
            return None
        check_python(provided_path, text, problems)
        provided[PROVIDED_FILE] = text
    selftests = {}
    for kind in (ALTERNATIVES, MISTAKES):
        for path in sorted((exercise_dir / kind).glob("*.py")):
            text = read_text(path, problems)
            if text is not None:
                check_python(path, text, problems)
                selftests[f"{kind}/{path.name}"] = text
    if spec is None:
        return None
    return ExerciseData(
        slug=exercise_dir.name, spec=spec.with_files(provided, selftests), spec_source=texts["exercise.yaml"],
        prompt=texts["prompt.md"], starter=texts["starter.py"], solution=texts["solution.py"],
    )


def set_top_level(source: str, key: str, value: str) -> str:
    """The YAML text with the top-level `key` (and the lines indented under it) set to `value`."""
    line = f"{key}: {value}"
    pattern = re.compile(rf"^{key}:.*(?:\n[ \t]+.*)*", re.M)
    if pattern.search(source):
        return pattern.sub(lambda match: line, source, count=1)
    return f"{source.rstrip()}\n{line}\n"


def with_published(spec_source: str, published: bool) -> str:
    """The exercise.yaml text with its top-level `published:` set to what the site says now."""
    if published and not re.search(r"^published:", spec_source, re.M):
        return spec_source  # the default
    return set_top_level(spec_source, "published", "true" if published else "false")


class ExercisesExtension(ChapterExtension):
    folder_name = "exercises"

    def parse(self, folder, problems):
        if not folder.is_dir():
            return []
        exercises = []
        for exercise_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
            if not SLUG_RE.match(exercise_dir.name):
                problems.add(exercise_dir, 1, "an exercise folder's name is its slug: use lowercase-with-dashes")
                continue
            data = read_exercise(exercise_dir, problems)
            if data is not None:
                exercises.append(data)
        return exercises

    def apply(self, chapter, exercises):
        kept = []
        for position, data in enumerate(exercises, start=1):
            spec = data.spec
            exercise, _ = Exercise.objects.update_or_create(
                chapter=chapter, slug=data.slug,
                defaults={
                    "position": position, "title": spec.title, "prompt": data.prompt,
                    "starter_code": data.starter, "device": spec.device, "published": spec.published,
                    "max_attempts": spec.attempts.max, "min_interval_s": spec.attempts.min_interval_s,
                    "retired": False,
                },
            )
            exercise.set_version(spec, data.spec_source, data.solution)
            if exercise.published and exercise.failed_validation():
                exercise.published = False
                exercise.save(update_fields=["published"])
            kept.append(exercise.pk)
        chapter.exercises.exclude(pk__in=kept).update(retired=True)

    def export(self, chapter, folder):
        for exercise in chapter.exercises.filter(retired=False):
            target = folder / exercise.slug
            target.mkdir(parents=True, exist_ok=True)
            version = exercise.current_version
            spec_source = with_published(version.spec_source, exercise.published)
            files = {"exercise.yaml": spec_source, "prompt.md": exercise.prompt,
                     "starter.py": exercise.starter_code, "solution.py": version.solution_code,
                     **version.spec.provided, **version.spec.selftests}
            for name, text in files.items():
                (target / name).parent.mkdir(exist_ok=True)
                (target / name).write_text(text, encoding="utf-8")

    section_template = "grader/chapter_exercises.html"

    def section(self, chapter, user):
        """The chapter's graded exercises this user may open (course staff see unpublished ones)."""
        exercises = chapter.exercises.filter(retired=False).select_related("current_version")
        if not chapter.course.is_staff(user):
            exercises = exercises.filter(published=True)
        return {"exercises": exercises}

    def after_import(self, course, validate):
        if not validate:
            return ""
        return f"Queued the validation of {ExerciseValidation.request_for_course(course)} exercise versions."
