"""The Alembic revisions an up-to-date database is at, read from the migration files.

Web workers never import Alembic (it costs each some 20 MB): `/healthz` compares
these with the database's `alembic_version` table to tell a load balancer that a
worker was deployed before `db upgrade` ran.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"
_REVISION = re.compile(r"^revision\s*=\s*['\"](\w+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*=\s*(.+)$", re.MULTILINE)
_QUOTED = re.compile(r"['\"](\w+)['\"]")


@functools.cache
def heads() -> frozenset[str]:
    """Revisions no other revision builds on (one, unless two branches await a merge)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN_REVISION.search(text)
        if revision is None or down is None:
            continue
        revisions.add(revision.group(1))
        parents.update(_QUOTED.findall(down.group(1)))
    return frozenset(revisions - parents)
