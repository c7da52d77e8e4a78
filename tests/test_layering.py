"""Domain modules stay free of Flask, so they can be used and tested on their own."""

from __future__ import annotations

import subprocess
import sys

import pytest

PURE_MODULES = [
    "meetups.schedule",
    "meetups.slugs",
    "meetups.gazetteer",
    "meetups.display",
    "meetups.markup",
    "meetups.ical",
    "meetups.geo",
    "meetups.subscribe",
    "meetups.structured_data",
    "meetups.sitemap",
    "meetups.texts",
    "meetups.trips",
    "meetups.agenda",
    "meetups.passwords",
    "meetups.place_names",
]


@pytest.mark.parametrize("module", PURE_MODULES)
def test_domain_module_imports_no_flask(module):
    code = (
        f"import sys, {module}; "
        "print(any(m.split('.')[0] in ('flask', 'flask_sqlalchemy') for m in sys.modules))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "False"
