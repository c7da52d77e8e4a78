"""The README tells a newcomer the truth: two commands, every setting and command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from meetups.config import DEFAULTS, ENV_PREFIX

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
INTERNAL_SETTINGS = {"SQLALCHEMY_ENGINE_OPTIONS"}


def test_quick_start_is_exactly_two_commands_that_the_makefile_has():
    section = re.search(r"^## Quick start\n(.*?)^## ", README, re.S | re.M).group(1)
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]

    assert commands == ["make run", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_ci_runs_the_same_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("setting", sorted(set(DEFAULTS) - INTERNAL_SETTINGS))
def test_every_setting_is_documented(setting):
    assert f"`{ENV_PREFIX}_{setting}`" in README


NUMBERS = [
    setting
    for setting, value in DEFAULTS.items()
    if isinstance(value, int | float) and not isinstance(value, bool)
]


@pytest.mark.parametrize("setting", sorted(set(NUMBERS) - INTERNAL_SETTINGS))
def test_every_documented_number_is_the_default(setting):
    row = re.search(rf"^\| `{ENV_PREFIX}_{setting}` \| `([^`]+)` \|", README, re.MULTILINE)

    assert row is not None and float(row[1]) == DEFAULTS[setting]


def test_every_command_is_documented(app):
    ours = set(app.cli.list_commands(app.app_context())) - {"db", "routes", "run", "shell"}

    for command in ours:
        assert f"`{command}" in README, command


def test_production_runs_gunicorn_with_the_config_file_and_documents_its_variables():
    section = re.search(r"^## Running in production\n(.*?)^## ", README, re.S | re.M).group(1)
    config = (ROOT / "gunicorn.conf.py").read_text(encoding="utf-8")

    assert "gunicorn -c gunicorn.conf.py" in section
    variables = set(re.findall(r'"(GUNICORN_[A-Z_]+)"', config))
    assert variables
    for variable in variables:
        assert f"`{variable}`" in section, variable
