import grader.models
from django.db import migrations, models


class Migration(migrations.Migration):
    """Stored reference answers name the harness that made them; those stored before are of no
    known harness (''), so they are never claimed or read again."""

    dependencies = [
        ('grader', '0008_spec_field'),
    ]

    operations = [
        migrations.AddField(
            model_name='referenceanswers',
            name='harness',
            field=models.CharField(default='', max_length=16),
        ),
        migrations.AlterField(
            model_name='referenceanswers',
            name='harness',
            field=models.CharField(default=grader.models.this_harness, max_length=16),
        ),
    ]
