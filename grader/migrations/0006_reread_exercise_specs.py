"""Re-read every stored exercise spec from its exercise.yaml text with the reader of this release.

The stored spec is the reader's normalised output, and this release changed its shape (fixed
cases carry a `fixed` flag, training checks name their loss, tolerances may be "not set"): a
version stored before would crash its regrades. A source the reader now refuses keeps its old
spec, so that nothing a student submitted against is lost.
"""

import yaml
from django.db import migrations

from courses.loader import Problems, _LineLoader
from judging.reader import read_spec


def reread_specs(apps, schema_editor):
    ExerciseVersion = apps.get_model("grader", "ExerciseVersion")
    for version in ExerciseVersion.objects.all():
        problems = Problems()
        try:
            data = yaml.load(version.spec_source, Loader=_LineLoader)
        except yaml.YAMLError:
            continue
        spec = read_spec("exercise.yaml", data, problems) if isinstance(data, dict) else None
        if spec is not None:
            spec = spec.with_files(version.spec.get("provided", {}), version.spec.get("selftests", {})).to_json()
        if spec is not None and spec != version.spec:
            version.spec = spec
            version.save(update_fields=["spec"])


class Migration(migrations.Migration):
    dependencies = [("grader", "0005_worker_start_id_canary_regrade_failures")]

    operations = [migrations.RunPython(reread_specs, migrations.RunPython.noop)]
