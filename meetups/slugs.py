"""URL slugs and accent-insensitive name keys, shared by cities, venues and meetups."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from unidecode import unidecode

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Letters that NFKD does not decompose into a base letter and an accent.
_SPECIAL = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)


def fold(text: str) -> str:
    """Lower-case, accent-free form of a name: "Köln" and "koln" fold alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_SPECIAL))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def name_key(text: str) -> str:
    """A search key: folded, punctuation collapsed to single spaces."""
    return " ".join(re.findall(r"\w+", fold(text)))


def slugify(text: str, max_length: int = 60) -> str:
    """ASCII slug for a URL: "Köln" → "koln"; "Москва" → "moskva", "北京" → "bei-jing".

    Names with Latin letters or digits keep the slug they always had (addresses never
    change); only names that fold to nothing are transliterated. Empty if even that fails.
    """
    slug = _NON_ALNUM.sub("-", fold(text)).strip("-")
    if not slug:
        slug = _NON_ALNUM.sub("-", unidecode(text).casefold()).strip("-")
    return slug[:max_length].rstrip("-")


def unique_slug(text: str, is_taken: Callable[[str], bool], fallback: str = "item") -> str:
    """The slug of `text`, or `slug-2`, `slug-3`… when taken; `fallback` if nothing is left."""
    base = slugify(text) or fallback
    candidate, number = base, 1
    while is_taken(candidate):
        number += 1
        candidate = f"{base}-{number}"
    return candidate
