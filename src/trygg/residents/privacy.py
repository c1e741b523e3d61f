"""Keeping contact details and identity numbers out of residents' free text.

A resident writes without an account and the text may be read by the safety group, so
the form refuses personal identity numbers, telephone numbers and e-mail addresses, each
with its own explanation. The detection is :mod:`trygg.core.personal_data`'s (one
implementation); these names stay importable from here.
"""

from __future__ import annotations

from trygg.core.personal_data import (
    find_emails,
    find_personal_numbers,
    find_phone_numbers,
    personal_data_problem,
)

__all__ = ["find_emails", "find_personal_numbers", "find_phone_numbers", "personal_data_problem"]
