"""Anyone can report a listing without an account, and without getting a cookie."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from meetups.extensions import db
from meetups.models import Report
from meetups.web.same_origin import is_cross_site


@pytest.mark.parametrize(
    ("fetch_site", "origin", "cross_site"),
    [
        ("same-origin", None, False),
        ("none", None, False),
        ("cross-site", None, True),
        ("same-site", None, True),
        (None, "http://localhost", False),
        (None, "https://evil.example", True),
        (None, None, False),
    ],
)
def test_where_a_form_came_from(fetch_site, origin, cross_site):
    assert is_cross_site(fetch_site, origin, "localhost") == cross_site


@pytest.fixture
def coffee(app, make_meetup):
    app.config["WTF_CSRF_ENABLED"] = True
    make_meetup("Coffee")


def test_reporting_sets_no_cookie_and_thanks_the_visitor(client, coffee):
    form = client.get("/m/coffee/report")
    sent = client.post(
        "/m/coffee/report",
        data={"kind": "wrong-time", "message": "It starts at 9 now"},
        headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
    )
    thanked = client.get(sent.headers["Location"])

    assert "Set-Cookie" not in form.headers and "Set-Cookie" not in sent.headers
    assert not BeautifulSoup(form.text, "html5lib").select("input[name=csrf_token]")
    assert sent.status_code == 302
    assert "Thank you: a volunteer will check this listing." in thanked.text
    assert client.get_cookie("session") is None
    assert db.session.scalar(select(Report.message)) == "It starts at 9 now"


def test_a_report_forged_on_another_site_is_refused(client, coffee):
    response = client.post(
        "/m/coffee/report",
        data={"kind": "other", "message": "forged"},
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    )

    assert response.status_code == 403
    assert "only be sent from this site" in response.text
    assert db.session.scalar(select(func.count(Report.id))) == 0
