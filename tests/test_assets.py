"""Static files are linked under content-hashed names that browsers keep for a year."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from meetups.web import assets

YEAR = "public, max-age=31536000, immutable"


def linked_assets(html: str) -> list[str]:
    page = BeautifulSoup(html, "html5lib")
    sheets = [link["href"] for link in page.select("link[rel=stylesheet]")]
    return sheets + [script["src"] for script in page.select("script[src]")]


def test_pages_link_fingerprinted_stylesheets_and_scripts(client, make_meetup):
    make_meetup("Open Coffee Paris")

    links = linked_assets(client.get("/fr/paris/").text) + linked_assets(client.get("/near").text)

    assert "/static/near.js" not in links
    assert any(re.fullmatch(r"/static/style\.[0-9a-f]{12}\.css", link) for link in links)
    assert any(re.fullmatch(r"/static/near\.[0-9a-f]{12}\.js", link) for link in links)
    assert all(re.search(r"\.[0-9a-f]{12}\.(css|js)$", link) for link in links)


def test_a_fingerprinted_file_is_kept_for_a_year(app, client):
    url = linked_assets(client.get("/").text)[0]

    with client.get(url) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == YEAR
        assert response.data == (Path(app.static_folder) / "style.css").read_bytes()
        assert response.mimetype == "text/css"


def test_the_plain_name_still_works_and_is_revalidated(client):
    with client.get("/static/style.css") as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.headers["ETag"]


def test_a_stale_fingerprint_gets_todays_file_revalidated(client):
    with client.get("/static/style.css") as plain:
        today = plain.data

    with client.get("/static/style.000000000000.css") as response:
        assert response.status_code == 200
        assert response.data == today
        assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    "url", ["/static/nothing.0123456789ab.css", "/static/../factory.0123456789ab.py"]
)
def test_no_other_file_is_served(client, url):
    assert client.get(url).status_code == 404


def test_new_content_gets_a_new_name(tmp_path):
    (tmp_path / "site.css").write_text("body { color: black }")
    before = assets.fingerprinted(str(tmp_path), "site.css")

    (tmp_path / "site.css").write_text("body { color: navy }")
    after = assets.fingerprinted(str(tmp_path), "site.css")

    assert re.fullmatch(r"site\.[0-9a-f]{12}\.css", before)
    assert after != before
    assert assets.fingerprinted(str(tmp_path), "missing.css") == "missing.css"
