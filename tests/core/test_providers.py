"""Reads one feature app offers another through trygg.core.providers (ADR 0013)."""

from __future__ import annotations

from trygg.core import providers


def test_the_reports_app_provides_the_priority_areas():
    from trygg.reports.apps import _priority_areas

    assert providers._priority_areas == [_priority_areas]


def test_without_a_provider_the_answer_is_empty(monkeypatch):
    monkeypatch.setattr(providers, "_priority_areas", [])
    assert providers.priority_area_codes(object(), top=5) == []


def test_a_registered_provider_answers(monkeypatch):
    monkeypatch.setattr(providers, "_priority_areas", [])
    providers.register_priority_areas(lambda municipality, *, top: ["A", "B", "C"][:top])
    assert providers.priority_area_codes(object(), top=2) == ["A", "B"]
