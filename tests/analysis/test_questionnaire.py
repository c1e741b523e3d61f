"""The questionnaire file: the shipped standard set and validation of edited copies."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from trygg.analysis.errors import InputError
from trygg.analysis.questionnaire import (
    load_questionnaire,
    parse_questionnaire,
    standard_questionnaire,
)

STANDARD = Path(__file__).parents[2] / "src/trygg/analysis/data/questionnaire_standard.yaml"


def standard_data() -> dict:
    return yaml.safe_load(STANDARD.read_text(encoding="utf-8"))


def problems_of(data: dict) -> list[str]:
    with pytest.raises(InputError) as caught:
        parse_questionnaire(yaml.safe_dump(data, allow_unicode=True), source="q.yaml")
    assert all(p.file == "q.yaml" for p in caught.value.problems)
    return [f"{p.column}: {p.reason}" for p in caught.value.problems]


def test_standard_questionnaire_has_the_police_items_and_five_groups():
    q = standard_questionnaire()
    assert set(q.groups) == {
        "problem_index",
        "victimisation_index",
        "worry_index",
        "unsafety_index",
        "trust_index",
    }
    for code in (
        "litter", "graffiti", "vandalism", "dark_places", "youth_groups", "speeding",
        "reckless_moped_car", "drunk_people", "drug_affected_people", "fights",
        "women_harassed", "open_drug_dealing", "drug_hangouts_housing", "worry_burglary",
        "worry_theft", "worry_assault", "unsafe_outdoors_evening", "police_care",
    ):  # fmt: skip
        item = q.item(code)
        assert item.text.sv and item.text.en
    assert len(q.items_in("problem_index")) == 13
    assert q.item("open_drug_dealing").text.get("sv") == "Öppen narkotikaförsäljning"


def test_standard_scale_is_the_documented_default():
    scale = standard_questionnaire().item("litter").scale
    assert scale.values == (1, 2, 3, 4, 5)
    assert scale.no_opinion == frozenset({9})
    # Linear default: 1 -> 0 ... 5 -> 6.
    assert [scale.index_map[v] for v in scale.values] == [0.0, 1.5, 3.0, 4.5, 6.0]
    assert scale.share_values == frozenset({4, 5})
    lookup = scale.index_lookup()
    assert lookup[3] == 3.0 and math.isnan(lookup[9]) and math.isnan(lookup[0])


def test_publication_rules_and_colours():
    q = standard_questionnaire()
    assert q.min_n_publish == 10 and q.small_area_below == 50
    assert q.colour_of(0.4).code == "green"
    assert q.colour_of(1.5).code == "yellow"
    assert q.colour_of(5.9).code == "red"
    assert q.colour_of(float("nan")) is None
    assert list(q.colour_codes(np.array([0.1, 2.0, 3.0, np.nan]))) == [
        "green",
        "yellow",
        "red",
        None,
    ]
    assert q.min_items("problem_index") == 7  # half of 13, rounded up
    assert q.min_items("trust_index") == 1


def test_vendor_columns_map_to_items():
    mapping = standard_questionnaire().column_map()
    assert mapping["f1a"] == "litter"
    assert mapping["litter"] == "litter"
    assert mapping["polisen_bryr_sig"] == "police_care"


def test_load_from_file_and_a_municipality_copy(tmp_path):
    data = standard_data()
    data["publication"]["min_n_publish"] = 20
    data["scales"]["problem"]["index"] = {1: 0, 2: 1, 3: 2, 4: 4, 5: 6}
    path = tmp_path / "sundsvall.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    q = load_questionnaire(path)
    assert q.min_n_publish == 20
    assert q.item("graffiti").scale.index_map[4] == 4.0
    assert q.source == "sundsvall.yaml"


def test_every_problem_is_reported_at_once():
    data = standard_data()
    data["scales"]["problem"]["index"][5] = 7.5  # outside 0-6
    data["scales"]["problem"]["share"] = [4, 6]  # 6 is not a code
    data["items"][0]["group"] = "nonsense"
    data["items"][1]["scale"] = "nonsense"
    data["items"][2]["code"] = data["items"][3]["code"]  # duplicate code
    data["items"][4]["columns"] = ["f1a"]  # already litter's column
    data["colours"][1]["below"] = 1.0  # decreasing
    data["publication"]["small_area_below"] = 5  # below min_n_publish
    problems = problems_of(data)
    text = "\n".join(problems)
    assert "scales.problem.index.5: 7.5 is outside the index range 0-6" in text
    assert "scales.problem.share[1]: 6 is not an answer code" in text
    assert "unknown group 'nonsense'" in text
    assert "unknown scale 'nonsense'" in text
    assert "the item code appears twice" in text
    assert "column 'f1a' is already used by litter" in text
    assert "thresholds must increase" in text
    assert "publication.small_area_below" in text
    assert len(problems) >= 8


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("items"), "items: this section is required"),
        (lambda d: d["scales"]["problem"].pop("index"), "must map every answer code"),
        (lambda d: d["scales"]["problem"]["index"].pop(3), "answer code 3 has no index value"),
        (lambda d: d["scales"]["problem"].update(no_opinion=[5]), "5 is also an answer code"),
        (lambda d: d["scales"]["problem"].update(values={1: {"sv": "x", "en": "y"}}),
         "at least two answer codes"),
        (lambda d: d["items"][0].update(en=""), "a non-empty text is required"),
        (lambda d: d["items"][0].update(code="Bad Code"), "is not a valid code"),
        (lambda d: d["items"][0].update(code="problem_index"), "same code as a group"),
        (lambda d: d["items"][0].update(columns=["sex"]), "is a respondent column"),
        (lambda d: d["colours"][-1].update(below=5), "last class must not have an upper bound"),
        (lambda d: d["colours"][0].update(colour="green"), "is not a colour"),
        (lambda d: d["publication"].update(min_n_publish="ten"), "must be a whole number"),
        (lambda d: d["publication"].update(min_n_publish=1), "must be at least 2"),
        (lambda d: d.update(min_items_share=0), "must be above 0"),
        (lambda d: d["groups"].update(extra={"sv": "x", "en": "y"}), "no item belongs"),
    ],
)  # fmt: skip
def test_validation_names_the_bad_entry(change, expected):
    data = standard_data()
    change(data)
    assert any(expected in p for p in problems_of(data)), problems_of(data)


def test_not_yaml_names_the_line():
    with pytest.raises(InputError) as caught:
        parse_questionnaire("scales: {problem: [1, 2\nitems: x\n", source="q.yaml")
    assert caught.value.first.line is not None
    assert "not valid YAML" in caught.value.first.reason


def test_not_a_mapping_and_unreadable_files(tmp_path):
    with pytest.raises(InputError, match="must be a YAML mapping"):
        parse_questionnaire("- just\n- a list\n")
    with pytest.raises(InputError, match="cannot read the file"):
        load_questionnaire(tmp_path / "missing.yaml")
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("name: {sv: Enkät}".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        load_questionnaire(latin1)
