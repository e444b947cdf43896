"""What the admin's change forms post, built from a row, with some fields changed."""

import json


def chapter_form(chapter, **changes):
    data = {
        "course": chapter.course_id, "slug": chapter.slug, "position": chapter.position,
        "title": chapter.title, "summary": chapter.summary, "body": chapter.body, "faq": json.dumps(chapter.faq),
        "published": "on" if chapter.published else "", "level": chapter.level,
        "updated": chapter.updated or "", "quiz_max_attempts": chapter.quiz_max_attempts or "",
        "quiz_reveal": chapter.quiz_reveal, "quiz_scoring": chapter.quiz_scoring, "quiz_deadline": "",
    }
    return {**data, **changes}


def exercise_form(exercise, **changes):
    version = exercise.current_version
    data = {
        "chapter": exercise.chapter_id, "slug": exercise.slug, "position": exercise.position,
        "title": exercise.title, "prompt": exercise.prompt, "starter_code": exercise.starter_code,
        "device": exercise.device, "max_attempts": exercise.max_attempts or "",
        "min_interval_s": exercise.min_interval_s, "deadline_0": "", "deadline_1": "",
        "published": "on" if exercise.published else "",
        "spec_source": version.spec_source, "solution_code": version.solution_code,
    }
    return {**data, **changes}
