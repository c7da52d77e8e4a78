"""Table statistics for the query planner, refreshed after loading many rows at once.

PostgreSQL's autovacuum analyzes a table by itself soon after a big change; SQLite
never does. Without statistics SQLite drove a country's page and a city search from
the index on meetups' status (nearly every meetup is active) instead of from the
city: their queries took two to six times as long at 10,000 meetups. `load-cities`,
`seed-demo` and the benchmark's generated directory refresh them.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session


def refresh(session: Session) -> None:
    """ANALYZE every table (what has been loaded is committed first)."""
    session.commit()
    session.execute(text("ANALYZE"))
    session.commit()
