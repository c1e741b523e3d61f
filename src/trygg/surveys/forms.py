from django import forms
from django.utils.translation import gettext_lazy as _

from trygg.core.uploads import validate_upload_size


class DateInput(forms.DateInput):
    input_type = "date"


class RoundSettingsForm(forms.Form):
    opens_on = forms.DateField(label=_("Open from"), required=False, widget=DateInput)
    closes_on = forms.DateField(label=_("Open until"), required=False, widget=DateInput)
    questionnaire = forms.FileField(
        label=_("Questionnaire (YAML)"),
        required=False,
        validators=[validate_upload_size],
        help_text=_(
            "Leave empty to keep the current questionnaire. It can be changed until the round "
            "opens."
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", _("The last day comes before the first."))
        return data


class SampleForm(forms.Form):
    file = forms.FileField(
        label=_("Sample frame (CSV)"),
        validators=[validate_upload_size],
        help_text=_(
            "Columns: area_code, sex, age_group, name, street, postcode, city. Every person "
            "gets a one-time code."
        ),
    )


class CloseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I understand that closing deletes every name, address and code of the sample and "
            "that no more answers can be given."
        )
    )


class PaperCodeForm(forms.Form):
    code = forms.CharField(label=_("Code on the paper form"), max_length=20)
