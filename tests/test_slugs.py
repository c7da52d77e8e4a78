"""Addresses people can read and type: slugs from names in any script, stable forever."""

from __future__ import annotations

import pytest

from meetups.slugs import slugify, unique_slug


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("北京", "bei-jing"),
        ("Москва", "moskva"),
        ("Ελλάδα", "ellada"),
        ("서울", "seoul"),
    ],
)
def test_names_in_other_scripts_get_readable_slugs(name, slug):
    assert slugify(name) == slug


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Köln", "koln"),
        ("Straße des 17. Juni", "strasse-des-17-juni"),
        ("Café 北京", "cafe"),
        ("Open Coffee Zürich", "open-coffee-zurich"),
    ],
)
def test_names_with_latin_letters_keep_the_slugs_they_always_had(name, slug):
    assert slugify(name) == slug


def test_a_name_with_nothing_to_spell_falls_back():
    assert unique_slug("☕ ✨", lambda slug: False, "meetup") == "meetup"


def test_a_taken_transliterated_slug_gets_a_number():
    assert unique_slug("Москва", lambda slug: slug == "moskva") == "moskva-2"
