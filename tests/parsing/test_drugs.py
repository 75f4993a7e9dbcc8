"""Drug ingredients and classes read from requests (decisions/parsing/drugs.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from decisions.parsing import drugs
from decisions.parsing.drugs import DRUG_CLASSES, PRODUCTS, general_dictionary, read_drugs
from decisions.parsing.items import ingredients_of
from decisions.parsing.taxonomy import SUBCATEGORIES, classify_request


@pytest.mark.parametrize(
    ("request_text", "ingredients", "drug_class"),
    [
        ("Norco 10/325mg #60", {"hydrocodone", "acetaminophen"}, "opioid"),
        ("Hydrocodone/APAP 10/325mg #90", {"hydrocodone", "acetaminophen"}, "opioid"),
        ("Tylenol #3 #60", {"acetaminophen", "codeine"}, "opioid"),
        ("Trezix capsules #60", {"acetaminophen", "caffeine", "dihydrocodeine"}, "opioid"),
        ("Soma 350mg #30", {"carisoprodol"}, "muscle-relaxant"),
        ("Terocin patches #30", {"lidocaine", "menthol"}, "topical-compound"),
        ("Terocin lotion 120ml", {"methyl salicylate", "capsaicin", "menthol", "lidocaine"}, "topical-compound"),
        ("Flurbiprofen 20%/Cyclobenzaprine 10% cream", {"flurbiprofen", "cyclobenzaprine"}, "topical-compound"),
        ("Diclofenac sodium 3% 300mg/g #1", {"diclofenac"}, "topical-compound"),
        ("Voltaren 75mg #60", {"diclofenac"}, "nsaid"),
        ("Diclofenac/misoprostol 75-0.2mg #60", {"diclofenac", "misoprostol"}, "nsaid"),
        ("Butrans patch 10mcg/hr #4", {"buprenorphine"}, "opioid"),
        ("Synapryn 10mg/ml oral suspension 500ml", {"tramadol", "glucosamine"}, "opioid"),
        ("Tabradol 1mg/ml oral suspension", {"cyclobenzaprine", "methylsulfonylmethane"}, "muscle-relaxant"),
        ("Fanatrex 25mg/ml oral suspension", {"gabapentin"}, "anticonvulsant"),
        ("Deprizine 15mg/ml oral suspension", {"ranitidine"}, "proton-pump-inhibitor"),
        ("Dicopanol 5mg/ml oral suspension", {"diphenhydramine"}, "sleep-aid"),
        ("Pepcid 20mg #60", {"famotidine"}, "proton-pump-inhibitor"),
        ("Xanax 0.5mg #30", {"alprazolam"}, "other-drug"),
        ("Xanax 0.5mg at night for insomnia #30", {"alprazolam"}, "sleep-aid"),
        ("Theramine #120", set(), "medical-food"),
    ],
)
def test_it_reads_ingredients_and_class_of_brands_combinations_topicals_and_kits(
    request_text: str, ingredients: set[str], drug_class: str
) -> None:
    reading = read_drugs(request_text.lower())
    assert set(reading.ingredients) == ingredients
    assert reading.drug_class == drug_class
    assert classify_request(request_text) == ("medication", drug_class)


def test_a_word_that_only_contains_a_drug_name_is_not_that_drug() -> None:
    assert classify_request("Somatosensory evoked potentials") == ("electrodiagnostic", "emg-ncs")
    assert read_drugs("somatosensory evoked potentials").drug_class is None


def test_every_product_row_says_where_its_ingredients_come_from_and_names_known_classes() -> None:
    medication_classes = set(SUBCATEGORIES["medication"])
    assert set(DRUG_CLASSES.values()) <= medication_classes
    for name, product in PRODUCTS.items():
        assert product.source, name
        assert product.drug_class is None or product.drug_class in medication_classes, name
        assert all(ingredient == ingredient.lower() for ingredient in product.ingredients), name


def test_the_general_dictionary_names_a_drug_the_project_tables_do_not() -> None:
    assert "atorvastatin" not in DRUG_CLASSES
    assert ingredients_of("Atorvastatin 40mg #30") == ("atorvastatin",)
    assert classify_request("Atorvastatin") == ("medication", "other-drug")


def test_the_general_dictionary_is_not_asked_when_the_tables_know_the_drug(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> dict[str, tuple[str, ...]]:
        raise AssertionError("general dictionary loaded")

    monkeypatch.setattr(drugs, "general_dictionary", refuse)
    assert ingredients_of("Norco 10/325mg #60") == ("hydrocodone", "acetaminophen")


def test_the_general_dictionary_is_cached_by_package_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    general_dictionary.cache_clear()
    try:
        names = general_dictionary()
        [cached] = (tmp_path / "imr-archive").glob("drug-names-*.json")
        assert json.loads(cached.read_text())["atorvastatin"] == ["atorvastatin"]
        cached.write_text(json.dumps({"zzdrug": ["zzgeneric"]}))
        general_dictionary.cache_clear()
        assert general_dictionary() == {"zzdrug": ("zzgeneric",)}
        assert len(names) > 50_000
    finally:
        general_dictionary.cache_clear()


def test_a_non_drug_item_has_no_ingredients() -> None:
    from decisions.parsing.items import build_item

    item = build_item(1, "Lidocaine injection to the right knee", "", "upheld", [], [], "")
    assert item.treatment_category == "injection"
    assert item.ingredients == ()
