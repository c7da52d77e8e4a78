"""Countries and cities with their counts are worked out once per data version, and follow edits."""

from __future__ import annotations

from meetups.extensions import db

VOLUNTEER = {"Cookie": "session=volunteer"}  # any cookie skips the whole-page cache


def test_the_counts_are_not_worked_out_again_for_each_page(client, make_meetup, count_queries):
    make_meetup("Open Coffee Paris")
    client.get("/", headers=VOLUNTEER)
    first = count_queries(lambda: client.get("/fr/", headers=VOLUNTEER))

    again = count_queries(lambda: client.get("/fr/", headers=VOLUNTEER))

    assert again < first


def test_a_new_meetup_counts_at_once(client, make_meetup, make_city, make_venue):
    make_meetup("Open Coffee Paris")
    before = client.get("/", headers=VOLUNTEER).text

    lyon = make_city("Lyon", latitude=45.75, longitude=4.85)
    make_meetup("Lyon Coffee", venue=make_venue("Café Lyon", city=lyon))
    db.session.commit()
    home = client.get("/", headers=VOLUNTEER).text
    country = client.get("/fr/", headers=VOLUNTEER).text

    assert "Lyon" not in before
    assert "Lyon" in home and "Lyon" in country
