"""Write a course from the database back into the course-folder format that import reads."""

from pathlib import Path

import yaml

from .loader import chapter_extensions


class _BlockDumper(yaml.SafeDumper):
    pass


def _str_representer(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str_representer)


def dump_yaml(data):
    return yaml.dump(data, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=100)


def export_course(course, folder):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.yaml").write_text(
        dump_yaml({
            "slug": course.slug, "title": course.title,
            "published": course.published, "description": course.description,
        }),
        encoding="utf-8",
    )
    for chapter in course.chapters.filter(retired=False):
        export_chapter(chapter, folder / f"{chapter.position:02d}-{chapter.slug}")


def export_chapter(chapter, folder):
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"slug": chapter.slug, "title": chapter.title, "summary": chapter.summary,
            "published": chapter.published, "level": chapter.level}
    if chapter.updated:
        meta["updated"] = chapter.updated
    meta["faq"] = chapter.faq
    (folder / "chapter.md").write_text(f"---\n{dump_yaml(meta)}---\n{chapter.body}", encoding="utf-8")

    # The deadline stays in the database, like an exercise's.
    policy = {"reveal": chapter.quiz_reveal, "score": chapter.quiz_scoring}
    if chapter.quiz_max_attempts is not None:
        policy = {"attempts": chapter.quiz_max_attempts, **policy}
    questions = []
    for question in chapter.active_questions():
        options = []
        for option in question.options.all():
            entry = {"text": option.text}
            if option.correct:
                entry["correct"] = True
            entry["explanation"] = option.explanation
            options.append(entry)
        entry = {"id": question.key, "prompt": question.prompt}
        if question.multiple:
            entry["multiple"] = True
        questions.append({**entry, "options": options})
    (folder / "quiz.yaml").write_text(dump_yaml({"policy": policy, "questions": questions}), encoding="utf-8")

    interview = [
        {"id": q.key, "prompt": q.prompt, "answer": q.model_answer}
        for q in chapter.interview_questions.filter(retired=False)
    ]
    (folder / "interview.yaml").write_text(dump_yaml({"questions": interview}), encoding="utf-8")

    for extension in chapter_extensions():
        extension.export(chapter, folder / extension.folder_name)
