from django import forms
from django.utils.translation import gettext_lazy as _

from trygg.core.uploads import validate_upload_size


class ImportKind:
    AREAS = "areas"
    POPULATION = "population"
    CHOICES = [(AREAS, _("Areas (GeoJSON)")), (POPULATION, _("Population (CSV)"))]


class AreaImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.CHOICES)
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None)
    file = forms.FileField(
        label=_("File"),
        validators=[validate_upload_size],
        help_text=_(
            "GeoJSON or GeoPackage for areas (WGS84, SWEREF 99 TM or another coordinate "
            "system the file names); CSV with area_code, year, sex, age_group, count for "
            "population."
        ),
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        if municipalities.count() == 1:
            self.fields["municipality"].initial = municipalities.first()
