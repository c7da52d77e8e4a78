"""Meetup cards and a meetup's dates are rendered once and reused until what they show
changes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup
from jinja2 import pass_context

from meetups.extensions import db
from meetups.models import MeetupChange, MeetupStatus, Report, ReportKind
from meetups.web import fragments


@pytest.fixture
def coffee(make_meetup):
    return make_meetup("Open Coffee Paris")


@pytest.fixture
def card_renders(monkeypatch):
    """How many cards (or meetup pages' articles) were rendered rather than taken from memory."""
    count = [0]
    macros = fragments._macros

    def counting():
        count[0] += 1
        return macros()

    monkeypatch.setattr(fragments, "_macros", counting)
    return count


VOLUNTEER = {"Cookie": "session=volunteer"}  # any cookie skips the whole-page cache


def test_a_card_is_rendered_once_for_every_page_that_lists_it(volunteer, coffee, card_renders):
    first = volunteer.get("/fr/paris/", headers=VOLUNTEER)
    again = volunteer.get("/fr/paris/", headers=VOLUNTEER)
    volunteer.get("/v/cafe-central-paris/", headers=VOLUNTEER)

    assert card_renders[0] == 1
    assert again.text == first.text


def test_an_edit_of_the_meetup_or_its_venue_shows_on_the_card_at_once(volunteer, coffee):
    volunteer.get("/fr/paris/", headers=VOLUNTEER)

    coffee.start_time = time(8, 15)
    coffee.venue.name = "Café Nouveau"
    db.session.commit()
    page = volunteer.get("/fr/paris/", headers=VOLUNTEER).text

    assert "08:15" in page and "Café Nouveau" in page


def test_edits_elsewhere_leave_the_card_in_memory(client, coffee, make_meetup, card_renders):
    client.get("/fr/paris/")
    make_meetup("Tea Paris")

    client.get("/fr/paris/")

    assert card_renders[0] == 2  # Open Coffee's once, and the new meetup's


def test_each_language_has_its_own_card(client, coffee):
    english = client.get("/fr/paris/?lang=en").text
    french = client.get("/fr/paris/?lang=fr").text

    assert "Every Thursday" in english
    assert "Chaque jeudi" in french
    assert 'href="/m/open-coffee-paris/?lang=fr"' in french


@pytest.fixture
def volunteer(app):
    """A client that keeps no cookie jar, so that its Cookie header is sent (the test client
    otherwise sends its jar's, none) and the whole-page cache never answers."""
    return app.test_client(use_cookies=False)


def article_of(volunteer, slug):
    page = BeautifulSoup(volunteer.get(f"/m/{slug}/", headers=VOLUNTEER).text, "html.parser")
    return page.select_one("article.meetup")


def dates_on(volunteer, slug):
    return article_of(volunteer, slug).select_one("ol.dates")


def test_a_meetup_pages_article_is_rendered_once(volunteer, coffee, card_renders):
    first = volunteer.get("/m/open-coffee-paris/", headers=VOLUNTEER)
    again = volunteer.get("/m/open-coffee-paris/", headers=VOLUNTEER)

    assert card_renders[0] == 1
    assert again.text == first.text


def test_a_cancelled_date_shows_on_the_meetup_page_at_once(volunteer, coffee, clock):
    dates_on(volunteer, "open-coffee-paris")

    coffee.changes.append(
        MeetupChange(original_date=date(2026, 12, 10), cancelled=True, note="Closed for works")
    )
    db.session.commit()
    first = dates_on(volunteer, "open-coffee-paris").li

    assert first.find("del") is not None and "Closed for works" in first.text


def test_a_renamed_venue_shows_in_the_meetup_pages_calendar_links_at_once(volunteer, coffee, clock):
    dates_on(volunteer, "open-coffee-paris")

    coffee.venue.name = "Café Nouveau"
    db.session.commit()
    google = dates_on(volunteer, "open-coffee-paris").select_one("a[href*='google.com']")

    assert "Nouveau" in google["href"]


def test_the_day_moving_on_shows_on_the_meetup_page_at_once(volunteer, coffee, clock):
    clock.instant = datetime(2026, 12, 9, 22, 30, tzinfo=UTC)  # Wednesday 23:30 in Paris
    before = dates_on(volunteer, "open-coffee-paris")

    clock.instant = datetime(2026, 12, 9, 23, 30, tzinfo=UTC)  # Thursday 00:30
    after = dates_on(volunteer, "open-coffee-paris")

    assert "Tomorrow" in before.li.summary.text
    assert "Today" in after.li.summary.text
    assert after.li.time["datetime"] == before.li.time["datetime"] == "2026-12-10T09:00:00+01:00"


def test_a_date_that_started_leaves_the_meetup_page_at_once(volunteer, coffee, clock):
    clock.instant = datetime(2026, 12, 10, 7, 59, tzinfo=UTC)  # Thursday 08:59 in Paris
    before = dates_on(volunteer, "open-coffee-paris")

    clock.instant = datetime(2026, 12, 10, 8, 1, tzinfo=UTC)  # 09:01, the meetup began
    after = dates_on(volunteer, "open-coffee-paris")

    assert before.li.time["datetime"] == "2026-12-10T09:00:00+01:00"
    assert after.li.time["datetime"] == "2026-12-17T09:00:00+01:00"


def test_an_edit_of_the_meetup_shows_on_its_page_at_once(volunteer, coffee):
    article_of(volunteer, "open-coffee-paris")

    coffee.description = "Bring your laptop."
    db.session.commit()

    assert "Bring your laptop." in article_of(volunteer, "open-coffee-paris").text


def test_a_renamed_topic_shows_on_the_meetup_page_at_once(volunteer, make_meetup):
    tea = make_meetup("Tea Paris", tags=("startups",))
    article_of(volunteer, "tea-paris")

    tea.tags[0].name = "Start-ups"  # the meetup itself is not edited
    db.session.commit()
    topics = article_of(volunteer, "tea-paris").select("a.tag")

    assert [topic.text for topic in topics] == ["Start-ups"]


def test_an_open_report_shows_on_the_meetup_page_at_once(volunteer, coffee):
    article_of(volunteer, "open-coffee-paris")

    db.session.add(Report(meetup=coffee, kind=ReportKind.WRONG_TIME))
    db.session.commit()
    notices = article_of(volunteer, "open-coffee-paris").select("p.reported")

    assert len(notices) == 1 and "day or time" in notices[0].text


def test_a_meetup_turns_unconfirmed_on_its_page_as_the_days_pass(volunteer, coffee, clock):
    coffee.last_confirmed = date(2026, 6, 9)  # 183 days (STALE_AFTER_DAYS) before 9 December
    coffee.status = MeetupStatus.PAUSED  # no dates, whose "Today" would change the page anyway
    db.session.commit()
    clock.instant = datetime(2026, 12, 9, 22, 30, tzinfo=UTC)  # Wednesday 9, 23:30 in Paris
    before = article_of(volunteer, "open-coffee-paris")

    clock.instant = datetime(2026, 12, 9, 23, 30, tzinfo=UTC)  # Thursday 10, 00:30
    after = article_of(volunteer, "open-coffee-paris")

    assert before.select_one("dd.fresh") is not None
    assert after.select_one("dd.stale") is not None


def test_a_renamed_city_shows_on_the_meetup_page_at_once(volunteer, coffee):
    article_of(volunteer, "open-coffee-paris")

    coffee.venue.city.name = "Lutèce"  # as a gazetteer reload may: no venue is edited
    db.session.commit()

    assert "Local time in Lutèce" in article_of(volunteer, "open-coffee-paris").text


def test_a_volunteer_sees_the_date_buttons_where_a_visitor_was_shown_none(
    volunteer, client, auth, make_user, coffee
):
    visitors = article_of(volunteer, "open-coffee-paris")
    make_user()
    auth.sign_in()

    page = BeautifulSoup(client.get("/m/open-coffee-paris/").text, "html.parser")

    assert "Cancel or move" not in visitors.text
    assert "Cancel or move" in page.select_one("ol.dates").text


def test_cards_take_no_more_memory_than_they_count(app, volunteer, make_meetup, counted_and_freed):
    """The cards' share of the page cache is a bound: each counts its key too."""
    for number in range(30):
        make_meetup(f"Open Coffee Paris {number}")
    cards = app.extensions["cards"]

    counted, freed = counted_and_freed(
        lambda: volunteer.get("/fr/paris/", headers=VOLUNTEER), cards
    )

    assert len(cards) == 0 < counted
    assert counted // 3 < freed <= counted


@pytest.fixture
def end_renders(app, monkeypatch):
    """How many times the end of a city's or venue's page (map, subscribe links, embed
    snippet) was rendered rather than taken from memory: its snippet is asked for once."""
    count = [0]
    embed_code = app.jinja_env.globals["embed_code"]

    @pass_context
    def counting(context):
        count[0] += 1
        return embed_code(context)

    monkeypatch.setitem(app.jinja_env.globals, "embed_code", counting)
    return count


def page_end(volunteer, address):
    page = BeautifulSoup(volunteer.get(address, headers=VOLUNTEER).text, "html.parser")
    return (
        page.select_one("section.subscribe"),
        page.select_one("div.map"),
        page.select_one("details.embed-snippet"),
    )


def test_the_end_of_a_city_and_a_venue_page_is_rendered_once_until_the_data_changes(
    volunteer, coffee, end_renders
):
    first = volunteer.get("/fr/paris/", headers=VOLUNTEER)
    again = volunteer.get("/fr/paris/", headers=VOLUNTEER)
    volunteer.get("/v/cafe-central-paris/", headers=VOLUNTEER)
    volunteer.get("/v/cafe-central-paris/", headers=VOLUNTEER)

    assert end_renders[0] == 2  # the city's, the venue's
    assert again.text == first.text


def test_a_moved_or_renamed_place_shows_at_the_end_of_its_pages_at_once(
    volunteer, coffee, end_renders
):
    page_end(volunteer, "/fr/paris/")
    page_end(volunteer, "/v/cafe-central-paris/")

    coffee.venue.name = "Café Nouveau"
    coffee.venue.latitude, coffee.venue.longitude = 48.8606, 2.3376
    coffee.venue.city.name = "Lutèce"  # as a gazetteer reload may
    db.session.commit()
    subscribe, city_map, _ = page_end(volunteer, "/fr/paris/")
    venue_subscribe, _, venue_snippet = page_end(volunteer, "/v/cafe-central-paris/")

    assert "every meetup in Lutèce" in subscribe.text
    marker = json.loads(city_map["data-markers"])[0]
    assert (marker["name"], marker["lat"], marker["lon"]) == ("Café Nouveau", 48.8606, 2.3376)
    outlook = venue_subscribe.find("a", string="Add to Outlook.com")["href"]
    assert "name=Meetups at Café Nouveau" in unquote(outlook)
    assert "Meetups at Café Nouveau" in venue_snippet.textarea.text
    assert end_renders[0] == 4


def test_each_language_has_its_own_page_end(volunteer, coffee):
    english = page_end(volunteer, "/fr/paris/")
    french = page_end(volunteer, "/fr/paris/?lang=fr")
    english_again = page_end(volunteer, "/fr/paris/")

    assert english[0].h2.text == english_again[0].h2.text == "Subscribe"
    assert french[0].h2.text == "S’abonner"
    assert "lang=fr" in french[2].textarea.text
    assert "lang=" not in english_again[2].textarea.text
