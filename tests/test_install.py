"""The package installs: a wheel in a fresh virtual environment, run from another folder,
migrates a new database, loads cities, seeds the demo and serves pages in both languages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What an installed copy needs besides Python modules, one file of each kind.
SHIPPED = [
    "meetups/templates/base.html",
    "meetups/static/style.css",
    "meetups/static/vendor/leaflet/leaflet.js",
    "meetups/migrations/env.py",
    "meetups/migrations/alembic.ini",
    "meetups/migrations/versions/31af58f16b46_initial_schema_countries_cities_venues_.py",
    "meetups/translations/fr/LC_MESSAGES/messages.mo",
    "meetups/places/data/city_names_fr.csv",
    "meetups/accounts/__init__.py",
]
DEMO_COUNTRIES = ["FR", "GB", "DE", "NL", "BE", "ES", "PT", "US", "CA", "AU", "JP"]
# Run by the installed copy: each page's status and the language its <html> says.
SITE = """
import json, re
from meetups import create_app
client = create_app().test_client()
answers = {}
for path in ("/", "/?lang=fr", "/fr/paris/", "/static/style.css", "/feeds/all.ics", "/healthz"):
    response = client.get(path)
    language = re.search(r'<html lang="([a-z]+)"', response.get_data(as_text=True))
    answers[path] = [response.status_code, language and language.group(1)]
print(json.dumps(answers))
"""


def run(*command: str | Path, **options) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, **options
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The wheel and sdist, built from a copy of the sources as `pip install .` would."""
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--outdir", out, ROOT, cwd=out)
    return out


def test_the_sdist_and_the_wheel_carry_templates_static_files_translations_and_migrations(built):
    (sdist,) = built.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        in_sdist = {name.partition("/")[2] for name in archive.getnames()}
    (wheel,) = built.glob("*.whl")
    in_wheel = set(run(sys.executable, "-m", "zipfile", "-l", wheel).stdout.split())

    assert set(SHIPPED) <= in_sdist
    assert {"LICENSE", "pyproject.toml"} <= in_sdist
    assert set(SHIPPED) <= in_wheel


def test_an_installed_wheel_migrates_loads_seeds_and_serves_from_any_folder(built, tmp_path):
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    (wheel,) = built.glob("*.whl")
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    settings = {
        "PATH": f"{environment / 'bin'}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "MEETUPS_DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "MEETUPS_SECRET_KEY": "s" * 64,
    }
    meetups = environment / "bin" / "meetups"

    run(meetups, "db", "upgrade", cwd=elsewhere, env=settings)
    countries = [option for code in DEMO_COUNTRIES for option in ("--country", code)]
    run(meetups, "load-cities", *countries, cwd=elsewhere, env=settings)
    loaded = run(python, "-m", "meetups", "seed-demo", cwd=elsewhere, env=settings)
    served = run(python, "-c", SITE, cwd=elsewhere, env=settings).stdout

    assert "Demo data added" in loaded.stdout
    assert json.loads(served) == {
        "/": [200, "en"],
        "/?lang=fr": [200, "fr"],
        "/fr/paris/": [200, "en"],
        "/static/style.css": [200, None],
        "/feeds/all.ics": [200, None],
        "/healthz": [200, None],
    }
