"""Visitors carry no cookie, so their requests open no signed session at all."""

from __future__ import annotations

import pytest


@pytest.fixture
def signing_counted(app, monkeypatch):
    """How many times the session's signing keys are derived."""
    interface = app.session_interface
    made = []
    derive = interface.get_signing_serializer

    def counted(app):
        made.append(1)
        return derive(app)

    monkeypatch.setattr(interface, "get_signing_serializer", counted)
    return made


def test_a_visitors_request_derives_no_signing_keys(client, make_meetup, signing_counted):
    make_meetup("Open Coffee Paris")

    assert client.get("/fr/paris/").status_code == 200
    assert client.get("/feeds/city/fr/paris.ics").status_code == 200
    assert signing_counted == []


def test_a_volunteer_still_signs_in_and_stays_signed_in(
    client, auth, make_user, make_meetup, signing_counted
):
    make_meetup("Open Coffee Paris")
    make_user()

    auth.sign_in()

    assert "Sign out" in client.get("/fr/paris/").text
    assert signing_counted
