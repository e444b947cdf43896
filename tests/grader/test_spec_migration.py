"""Stored specs are re-read with this release's reader, so old versions still grade.

The migration runs against the models as they were at its point in the history (the spec a plain
JSON field), as `migrate` runs it.
"""

import importlib
import json

from django.core import serializers
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from grader.models import ExerciseVersion
from judging.spec import ExerciseSpec
from tests.base import BaseTestCase
from tests.grader.factories import make_exercise

MIGRATION = ("grader", "0006_reread_exercise_specs")
migration = importlib.import_module(f"grader.migrations.{MIGRATION[1]}")


def historical_apps():
    return MigrationExecutor(connection).loader.project_state(MIGRATION).apps


class RereadSpecsTestCase(BaseTestCase):
    def test_an_old_shape_is_replaced_by_what_the_reader_makes_of_the_source_now(self):
        version = make_exercise(self.chapter).current_version
        current = version.spec.to_json()
        old = {**current, "checks": [{**check, "cases": [list(case["args"]) for case in check["cases"]]}
                                     if check.get("cases") else check for check in current["checks"]]}
        ExerciseVersion.objects.filter(pk=version.pk).update(spec=old)
        apps = historical_apps()
        migration.reread_specs(apps, None)
        self.assertEqual(apps.get_model("grader", "ExerciseVersion").objects.get(pk=version.pk).spec, current)

    def test_a_source_the_reader_now_refuses_keeps_its_spec(self):
        version = make_exercise(self.chapter).current_version
        apps = historical_apps()
        stored = apps.get_model("grader", "ExerciseVersion")
        stored.objects.filter(pk=version.pk).update(spec_source="title: Broken\nchecks: []\n", spec={"kept": True})
        migration.reread_specs(apps, None)
        self.assertEqual(stored.objects.get(pk=version.pk).spec, {"kept": True})


class SpecFieldTestCase(BaseTestCase):
    def test_a_spec_is_typed_in_python_json_in_the_database_and_in_dumpdata(self):
        version = make_exercise(self.chapter).current_version
        with connection.cursor() as cursor:
            cursor.execute("SELECT spec FROM grader_exerciseversion WHERE id = %s", [version.pk])
            (stored,) = cursor.fetchone()
        self.assertIsInstance(version.spec, ExerciseSpec)
        self.assertEqual(json.loads(stored) if isinstance(stored, str) else stored, version.spec.to_json())
        (dumped,) = json.loads(serializers.serialize("json", [version]))
        self.assertEqual(dumped["fields"]["spec"], version.spec.to_json())
        (loaded,) = serializers.deserialize("json", serializers.serialize("json", [version]))
        self.assertEqual(loaded.object.spec, version.spec)
