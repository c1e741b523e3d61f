# The job system moved out of trygg.imports (issue 15). The tables stay where they are
# (imports_job, imports_taskrecord): this migration only tells Django's state that the
# models now belong to this app; the database is not touched.

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("areas", "0001_initial"),
        ("imports", "0003_letters_job"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Job",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ("kind", models.CharField(choices=[("validate", "validation"), ("import", "import"), ("analysis", "analysis"), ("letters", "survey letters")], max_length=16, verbose_name="kind")),
                        ("status", models.CharField(choices=[("queued", "queued"), ("running", "running"), ("done", "done"), ("failed", "failed")], default="queued", max_length=16, verbose_name="status")),
                        ("step", models.CharField(blank=True, max_length=100, verbose_name="step")),
                        ("progress", models.FloatField(default=0.0, verbose_name="progress")),
                        ("message", models.TextField(blank=True, verbose_name="message")),
                        ("result", models.JSONField(blank=True, default=dict, verbose_name="result")),
                        ("task_id", models.CharField(blank=True, max_length=64)),
                        ("lost_attempts", models.PositiveSmallIntegerField(default=0)),
                        ("timed_out", models.BooleanField(default=False)),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("municipality", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="jobs", to="areas.municipality")),
                    ],
                    options={
                        "verbose_name": "background job",
                        "verbose_name_plural": "background jobs",
                        "db_table": "imports_job",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="TaskRecord",
                    fields=[
                        ("id", models.CharField(max_length=64, primary_key=True, serialize=False)),
                        ("task_path", models.CharField(max_length=300)),
                        ("queue_name", models.CharField(default="default", max_length=100)),
                        ("priority", models.SmallIntegerField(default=0)),
                        ("args", models.JSONField(default=list)),
                        ("kwargs", models.JSONField(default=dict)),
                        ("status", models.CharField(db_index=True, default="READY", max_length=16)),
                        ("enqueued_at", models.DateTimeField()),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("return_value", models.JSONField(blank=True, null=True)),
                        ("errors", models.JSONField(default=list)),
                        ("worker_ids", models.JSONField(default=list)),
                        ("claimed_by", models.CharField(blank=True, max_length=64)),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("lease_expires_at", models.DateTimeField(blank=True, null=True)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("timeout_seconds", models.PositiveIntegerField(blank=True, null=True)),
                        ("deadline_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        "verbose_name": "queued task",
                        "verbose_name_plural": "queued tasks",
                        "db_table": "imports_taskrecord",
                        "ordering": ["-priority", "enqueued_at"],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
