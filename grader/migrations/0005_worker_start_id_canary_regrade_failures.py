from django.db import migrations, models


def forget_heartbeats(apps, schema_editor):
    # Rows were keyed by hostname; running workers write new ones, keyed by their start's id,
    # within seconds of their restart.
    apps.get_model("grader", "WorkerHeartbeat").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('grader', '0004_grade_staff_output'),
    ]

    operations = [
        migrations.AddField(
            model_name='regradebatch',
            name='failed',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(forget_heartbeats, migrations.RunPython.noop),
        migrations.AddField(
            model_name='workerheartbeat',
            name='canary_at',
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name='workerheartbeat',
            name='canary_ok',
            field=models.BooleanField(null=True),
        ),
        migrations.AddField(
            model_name='workerheartbeat',
            name='worker_id',
            field=models.CharField(default="", max_length=64, unique=True),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='workerheartbeat',
            name='hostname',
            field=models.CharField(max_length=200),
        ),
    ]
