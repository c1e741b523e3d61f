# The job system moved to trygg.jobs (issue 15): the upload's job now points at jobs.Job,
# and Job and TaskRecord leave this app's state. Their tables (imports_job,
# imports_taskrecord) and the foreign key's column stay as they are: no data moves.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0003_letters_job"),
        ("jobs", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="importupload",
                    name="job",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="jobs.job"),
                ),
                migrations.DeleteModel(name="Job"),
                migrations.DeleteModel(name="TaskRecord"),
            ],
            database_operations=[],
        ),
    ]
