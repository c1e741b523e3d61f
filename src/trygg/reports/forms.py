from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from trygg.analysis.priority import COMPONENTS, DEFAULT_WEIGHTS
from trygg.core.params import IdField, QueryForm, YearField


class AnalysisForm(forms.Form):
    """Start a run: the municipality, the year and the weights of the priority score."""

    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None)
    year = forms.IntegerField(
        label=_("Year"), required=False, min_value=2000, max_value=2100,
        help_text=_("Empty: the latest year with reported crimes."),
    )  # fmt: skip
    draws = forms.IntegerField(
        label=_("Recomputations for the rank intervals"), min_value=50, max_value=5000,
        initial=1000,
    )  # fmt: skip
    alpha = forms.FloatField(
        label=_("False discovery rate for hot spots"), min_value=0.001, max_value=0.2, initial=0.05
    )
    h3_resolution = forms.TypedChoiceField(
        label=_("Hot spots on a hexagon grid too"),
        choices=[
            ("", _("No, areas only")),
            ("7", _("Large hexagons (about 5 km²)")),
            ("8", _("Medium hexagons (about 0.7 km²)")),
            ("9", _("Small hexagons (about 0.1 km², streets and squares)")),
        ],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Only reported crimes with coordinates are placed in hexagons."),
    )
    pdf = forms.BooleanField(label=_("Also make the PDF report"), required=False, initial=True)

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        if municipalities.count() == 1:
            self.fields["municipality"].initial = municipalities.first()
        lang = "en" if (get_language() or "sv").startswith("en") else "sv"
        for code, weight in DEFAULT_WEIGHTS.items():
            self.fields[f"weight_{code}"] = forms.FloatField(
                label=COMPONENTS[code][0].get(lang),
                min_value=0,
                max_value=10,
                initial=weight,
            )

    def weight_fields(self):
        return [self[name] for name in self.fields if name.startswith("weight_")]

    def clean(self):
        data = super().clean()
        weights = {k[7:]: v for k, v in data.items() if k.startswith("weight_") and v is not None}
        if weights and not sum(weights.values()) > 0:
            raise forms.ValidationError(_("At least one weight must be above zero."))
        return data

    def params(self) -> dict:
        data = self.cleaned_data
        return {
            "year": data.get("year"),
            "weights": {k[7:]: v for k, v in data.items() if k.startswith("weight_")},
            "draws": data["draws"],
            "alpha": data["alpha"],
            "h3_resolution": data.get("h3_resolution"),
            "pdf": data.get("pdf", False),
        }


# --- query strings (trygg.core.params): a malformed value answers 400 ---------------------

CODE = {"required": False, "max_length": 100}


class DashboardQuery(QueryForm):
    municipality = forms.CharField(**CODE)
    year = YearField()
    run = forms.UUIDField(required=False)
    district = forms.CharField(**CODE)


class AreaExportQuery(QueryForm):
    area = IdField()
    table = forms.CharField(**CODE)
    fmt = forms.CharField(**CODE)


class CompareQuery(QueryForm):
    a = IdField()
    b = IdField()
    municipality = forms.CharField(**CODE)
    year_a = YearField()
    year_b = YearField()


class MunicipalCompareQuery(QueryForm):
    municipality = forms.CharField(**CODE)
    year = YearField()
    category = forms.CharField(required=False, max_length=100)


class RunCompareQuery(QueryForm):
    a = forms.UUIDField(required=False)
    b = forms.UUIDField(required=False)
