"""Stored specs are re-read with this release's reader, so old versions still grade."""

import importlib

from django.apps import apps

from tests.base import BaseTestCase
from tests.grader.factories import make_exercise

migration = importlib.import_module("grader.migrations.0006_reread_exercise_specs")


class RereadSpecsTestCase(BaseTestCase):
    def test_an_old_shape_is_replaced_by_what_the_reader_makes_of_the_source_now(self):
        version = make_exercise(self.chapter).current_version
        current = version.spec
        old = {**current, "checks": [{**check, "cases": [list(case["args"]) for case in check.get("cases", [])]}
                                     if "cases" in check else check for check in current["checks"]]}
        version.spec = old
        version.save()
        migration.reread_specs(apps, None)
        version.refresh_from_db()
        self.assertEqual(version.spec, current)

    def test_a_source_the_reader_now_refuses_keeps_its_spec(self):
        version = make_exercise(self.chapter).current_version
        version.spec_source = "title: Broken\nchecks: []\n"
        version.spec = {"kept": True}
        version.save()
        migration.reread_specs(apps, None)
        version.refresh_from_db()
        self.assertEqual(version.spec, {"kept": True})
