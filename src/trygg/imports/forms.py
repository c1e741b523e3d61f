from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from trygg.core.uploads import validate_upload_size

from .models import ImportKind
from .services import FIELDS

#: What the contract's field names (FORMATS.md) mean, for the people mapping a file's columns.
FIELD_LABELS = {
    "code": pgettext_lazy("import field", "Area code"),
    "name": pgettext_lazy("import field", "Area name"),
    "parent_code": pgettext_lazy("import field", "Code of the larger area it belongs to"),
    "population": pgettext_lazy("import field", "Population"),
    "area_code": pgettext_lazy("import field", "Area code"),
    "year": pgettext_lazy("import field", "Year"),
    "sex": pgettext_lazy("import field", "Sex"),
    "age_group": pgettext_lazy("import field", "Age band"),
    "count": pgettext_lazy("import field", "Number of people"),
    "respondent_id": pgettext_lazy("import field", "Respondent number"),
    "id": pgettext_lazy("import field", "Report number"),
    "occurred_at": pgettext_lazy("import field", "Date of the crime"),
    "category": pgettext_lazy("import field", "Crime category"),
    "lat": pgettext_lazy("import field", "Latitude"),
    "lon": pgettext_lazy("import field", "Longitude"),
    "occurred_to": pgettext_lazy("import field", "Date of the crime, to"),
    "reported_at": pgettext_lazy("import field", "Date reported"),
    "source": pgettext_lazy("import field", "Source"),
}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


DELIMITERS = [(";", _("semicolon (;)")), (",", _("comma (,)")), ("\t", _("tab"))]
# UTF-16 is what Excel saves as "Unicode text" (tab-separated, with a byte-order mark).
ENCODINGS = [
    ("utf-8-sig", "UTF-8"),
    ("utf-16", "UTF-16"),
    ("cp1252", "Windows-1252"),
    ("latin-1", "ISO-8859-1"),
]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None)
    source = forms.CharField(
        label=_("Source"),
        max_length=100,
        required=False,
        help_text=_("E.g. the survey vendor or 'police extract': its column mapping is saved."),
    )
    file = forms.FileField(label=_("File"), validators=[validate_upload_size])

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        if municipalities.count() == 1:
            self.fields["municipality"].initial = municipalities.first()


class MappingForm(forms.Form):
    """One choice per contract field: which column of the file holds it."""

    delimiter = forms.ChoiceField(label=_("Separator"), choices=DELIMITERS, required=False)
    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODINGS, required=False)
    save_for_source = forms.BooleanField(
        label=_("Save this mapping for the source"), required=False, initial=True
    )

    def __init__(self, *args, upload, **kwargs):
        super().__init__(*args, **kwargs)
        self.upload = upload
        choices = [("", _("– not in the file –"))] + [(c, c) for c in upload.columns]
        required, optional = FIELDS[upload.kind]
        for name in (*required, *optional):
            self.fields[f"map_{name}"] = forms.ChoiceField(
                label=FIELD_LABELS.get(name, name),
                choices=choices,
                required=False,
                initial=upload.mapping.get(name, ""),
            )
            self.fields[f"map_{name}"].widget.attrs["data-required"] = str(name in required)
            # Required for the import, not for this form: the column may already be named so.
            self.fields[f"map_{name}"].needed = name in required
        if upload.file_type not in ("csv", "txt"):
            del self.fields["delimiter"], self.fields["encoding"]
        else:
            self.fields["delimiter"].initial = upload.delimiter
            self.fields["encoding"].initial = upload.encoding
        if upload.source is None:
            del self.fields["save_for_source"]

    def mapping_fields(self):
        return [self[name] for name in self.fields if name.startswith("map_")]

    def mapping(self) -> dict[str, str]:
        return {
            name[4:]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("map_") and value
        }
