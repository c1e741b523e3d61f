"""Numbers as a Swedish reader expects them everywhere: one thousands separator (as
``intcomma``), a decimal comma, a real minus sign (−, not the hyphen), and ranges such as
age bands with an en dash ("0–15")."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

register = template.Library()

_RANGE = re.compile(r"(?<=\d)\s*-\s*(?=\d)")


@register.filter
def number(value, digits: int = 0) -> str:
    """``{{ x|number:1 }}``: grouped, with ``digits`` decimals; "–" for no value."""
    if value is None or value == "":
        return "–"
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not amount.is_finite():
        return "–"
    digits = int(digits)
    amount = amount.quantize(Decimal(1).scaleb(-digits)) if digits else amount.quantize(Decimal(1))
    if amount == 0:
        amount = abs(amount)  # no "−0,0"
    text = number_format(amount, decimal_pos=digits, use_l10n=True, force_grouping=True)
    return text.replace("-", "\u2212")


@register.filter
def range_dash(value) -> str:
    """ "0-15" → "0–15": a range between numbers takes an en dash in running text."""
    if value is None:
        return ""
    return _RANGE.sub("\u2013", str(value))
