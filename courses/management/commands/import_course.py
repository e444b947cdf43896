from django.core.management.base import BaseCommand, CommandError

from courses.importer import import_course_data
from courses.loader import CourseFolderInvalid, chapter_extensions, longest_correct, parse_course


class Command(BaseCommand):
    help = "Import (or update) a course from its folder. Nothing is imported if any file has a problem."

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument(
            "--validate", action="store_true",
            help="ask each chapter extension to check its content (the grader queues a validation of "
                 "every exercise version not validated yet)",
        )

    def handle(self, folder, validate=False, **options):
        try:
            data = parse_course(folder)
        except CourseFolderInvalid as exc:
            count = len(exc.problems)
            raise CommandError(f"{count} problem{'s' * (count != 1)}, nothing imported:\n{exc}")
        if options["verbosity"] > 1:
            for chapter in data.chapters:
                longest, single = longest_correct(chapter.questions)
                self.stdout.write(f"{chapter.slug}: the correct option is the longest in {len(longest)} "
                                  f"of {len(single)} single-answer questions")
        course = import_course_data(data)
        chapters = course.chapters.filter(retired=False).count()
        self.stdout.write(f"Imported '{course.title}' ({course.slug}): {chapters} chapters.")
        for extension in chapter_extensions():
            report = extension.after_import(course, validate)
            if report:
                self.stdout.write(report)
