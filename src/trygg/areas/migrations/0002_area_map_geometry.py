from django.db import migrations, models


def simplify_stored(apps, schema_editor):
    """Areas imported before the map boundary existed get theirs, so every map is small."""
    from trygg.analysis.areas_io import simplify_for_map

    Area = apps.get_model("areas", "Area")
    for area in Area.objects.only("pk", "geometry").iterator(chunk_size=100):
        Area.objects.filter(pk=area.pk).update(map_geometry=simplify_for_map(area.geometry))


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="area",
            name="map_geometry",
            field=models.JSONField(default=dict, editable=False, verbose_name="boundary for maps"),
        ),
        migrations.RunPython(simplify_stored, migrations.RunPython.noop, elidable=True),
    ]
