from __future__ import annotations

import pytest

from .world import World


@pytest.fixture(autouse=True)
def synthetic_numbers(settings):
    """Tests use generated numbers with a wrong check digit, never real ones."""
    settings.TRYGG_SYNTHETIC_PINS = True
    return settings


@pytest.fixture
def world(db, two_factor_off):
    return World()
