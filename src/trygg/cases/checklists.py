"""The structured checklists of a case's mapping: risk and protective factors."""

from django.utils.translation import gettext_lazy as _

RISK_FACTORS = (
    ("truancy", _("School absence")),
    ("norm_breaking", _("Norm-breaking behaviour")),
    ("drugs", _("Alcohol or drugs")),
    ("criminal_peers", _("Friends in criminal settings")),
    ("violence", _("Violence or threats")),
    ("suspected_crime", _("Suspected of crime")),
    ("family", _("Conflicts or strain in the family")),
    ("victim", _("Victim of crime")),
)
PROTECTIVE_FACTORS = (
    ("school_bond", _("Bond with school")),
    ("trusted_adult", _("A trusted adult")),
    ("leisure", _("Organised leisure activity")),
    ("family_support", _("Supportive family")),
    ("motivation", _("Own motivation for change")),
)


def labels(keys, table) -> list[str]:
    names = dict(table)
    return [str(names.get(k, k)) for k in keys]
