"""Keeping personal data out of the situational picture's free text.

The situational picture refuses personal identity numbers in every form people write
them; the detector is shared with the residents' form (:mod:`trygg.core.personal_data`).
"""

from __future__ import annotations

from trygg.core.personal_data import find_personal_numbers, luhn_valid

__all__ = ["find_personal_numbers", "luhn_valid"]
