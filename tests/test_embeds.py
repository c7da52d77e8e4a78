"""Embeds: a city's, venue's or meetup's next dates, framed on a café's own website."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from datetime import time as clock
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from meetups.embeds.listing import DEFAULT_DATES, MAX_DATES, OptionError, Options
from meetups.extensions import db
from meetups.models import MeetupStatus, VenueRedirect
from meetups.web.security_headers import FRAMABLE_POLICY
from tests.conftest import DESKTOP, PHONE
from tests.test_security_headers import assert_security_headers

CITY = "/embed/city/fr/paris"
VENUE = "/embed/venue/cafe-central-paris"
MEETUP = "/embed/meetup/open-coffee"
EMBEDS = [CITY, VENUE, MEETUP]
PAGES = ["/fr/paris/", "/v/cafe-central-paris/", "/m/open-coffee/"]


def coming_thursdays(count: int = 4) -> list[date]:
    """Thursdays from tomorrow on: far enough ahead that none is under way."""
    tomorrow = date.today() + timedelta(days=1)
    days = (tomorrow + timedelta(days=n) for n in range(7 * count))
    return [day for day in days if day.weekday() == 3][:count]


@pytest.fixture
def directory(make_city, make_venue, make_meetup) -> dict[str, object]:
    """Open Coffee (Thursdays 09:00 at Café Central): one date cancelled, one moved elsewhere."""
    paris = make_city("Paris")
    central = make_venue("Café Central", city=paris)
    annex = make_venue("Bar Annexe", city=paris)
    thursdays = coming_thursdays()
    make_meetup(
        "Open Coffee",
        venue=central,
        changes=[
            {"original_date": thursdays[1], "cancelled": True, "note": "Café closed"},
            {"original_date": thursdays[2], "venue_id": annex.id, "new_start_time": clock(10)},
        ],
    )
    make_meetup(
        "Evening Drinks", venue=annex, start_time=clock(18, 30), rrule="FREQ=WEEKLY;BYDAY=TU"
    )
    return {"thursdays": thursdays, "central": central, "annex": annex}


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html5lib")


def dates_of(response) -> list[str]:
    return [" ".join(li.get_text(" ").split()) for li in soup(response).select("ol.dates > li")]


# --- Framing, headers and cookies -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (CITY, 200),
        (VENUE, 200),
        (MEETUP, 200),
        (MEETUP + "?lang=fr&layout=compact&dates=2", 200),
        (MEETUP + "?dates=many", 400),
        ("/embed/meetup/no-such-meetup", 404),
        ("/embed/city/fr/atlantis", 404),
    ],
)
def test_any_site_may_frame_an_embed_and_it_loads_only_our_own_files(
    client, directory, path, status
):
    response = client.get(path)

    assert response.status_code == status
    assert response.headers["Content-Security-Policy"] == FRAMABLE_POLICY
    assert "frame-ancestors *" in FRAMABLE_POLICY
    assert "X-Frame-Options" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in response.headers
    page = soup(response)
    (sheet,) = [s["href"] for s in page.select("link[rel=stylesheet]")]
    (script,) = [s["src"] for s in page.select("script")]
    assert re.fullmatch(r"/static/embed\.[0-9a-f]+\.css", sheet)  # fingerprinted: ours
    assert re.fullmatch(r"/static/embed-frame\.[0-9a-f]+\.js", script)
    assert not page.select("style, [style], img, iframe, form")


@pytest.mark.parametrize("path", [*PAGES, "/", "/embed/", "/embed/city/fr", "/static/embed.js"])
def test_every_other_address_still_refuses_to_be_framed(client, directory, path):
    with client.get(path) as response:
        assert_security_headers(response)


def test_the_pages_links_open_beside_the_frame_not_inside_it(client, directory):
    """Our other pages refuse to be framed: a link followed inside the frame would show nothing."""
    page = soup(client.get(CITY))

    assert page.select_one("head base")["target"] == "_blank"
    assert not page.select("base[href]")


def test_an_embed_sets_no_cookie_even_for_a_signed_in_volunteer(client, auth, make_user, directory):
    make_user()
    auth.sign_in()

    response = client.get(MEETUP + "?lang=fr")

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Se déconnecter" not in response.text and "Val Volunteer" not in response.text


# --- What it shows ----------------------------------------------------------------------------


def test_a_meetup_embed_shows_its_next_dates_in_local_time_with_cancellations_and_moves(
    client, directory
):
    thursdays = directory["thursdays"]

    response = client.get(MEETUP)

    page = soup(response)
    assert page.h1.get_text() == "Open Coffee"
    assert page.h1.a["href"] == "/m/open-coffee/"
    assert page.select_one(".zone-note").get_text() == "Local time in Paris (Europe/Paris)."
    lines = dates_of(response)
    assert len(lines) == DEFAULT_DATES
    cancelled = next(line for line in lines if f"{thursdays[1].day} " in line.split(",")[0])
    assert "Cancelled" in cancelled
    moved = next(line for line in lines if f"{thursdays[2].day} " in line.split(",")[0])
    assert "10:00–12:00" in moved and "moved" in moved and "at Bar Annexe" in moved
    usual = next(line for line in lines if f"{thursdays[3].day} " in line.split(",")[0])
    assert re.search(r"09:00–11:00 CES?T", usual) and "Bar Annexe" not in usual


def test_a_city_embed_merges_every_meetups_dates_soonest_first(client, directory):
    response = client.get(CITY + "?dates=8")

    lines = dates_of(response)
    assert len(lines) == 8
    assert any("Evening Drinks at Bar Annexe" in line for line in lines)
    assert any("Open Coffee at Café Central" in line for line in lines)
    starts = [t["datetime"] for t in soup(response).select("ol.dates time")]
    assert starts == sorted(starts)
    assert soup(response).h1.get_text() == "Meetups in Paris"


def test_a_venue_embed_shows_its_meetups_and_where_a_date_went(client, directory):
    thursdays = directory["thursdays"]

    lines = dates_of(client.get(VENUE + "?dates=10"))

    moved = next(line for line in lines if f"{thursdays[2].day} " in line.split(",")[0])
    assert "Open Coffee at Bar Annexe" in moved
    assert not any("Evening Drinks" in line for line in lines)


def test_links_go_back_to_the_page_and_subscribe_to_its_feed(client, directory):
    page = soup(client.get(VENUE))

    links = {a.get_text(): a["href"] for a in page.select(".source a")}
    assert links["Subscribe"] == "webcal://127.0.0.1:5000/feeds/venue/cafe-central-paris.ics"
    assert links["Google Calendar"].startswith("https://calendar.google.com/")
    assert links["More on Meetups"] == "/v/cafe-central-paris/"
    assert client.get(links["More on Meetups"]).status_code == 200


def test_the_compact_layout_is_one_short_line_per_date(client, directory):
    response = client.get(MEETUP + "?layout=compact&dates=3")

    page = soup(response)
    assert page.select_one("main.compact") is not None
    assert page.h1 is None
    lines = dates_of(response)
    assert len(lines) == 3
    assert all(re.match(r"^Thu \d{1,2} \w{3}, \d\d:\d\d–\d\d:\d\d CES?T", line) for line in lines)


def test_a_paused_meetup_says_so_instead_of_dates(client, directory):
    meetup = directory["central"].meetups[0]
    meetup.status = MeetupStatus.PAUSED
    db.session.commit()

    response = client.get(MEETUP)

    assert response.status_code == 200
    assert dates_of(response) == []
    assert "This meetup is paused: no dates are planned for now." in response.text
    assert "No coming dates." not in response.text


def test_a_merged_venues_embed_moves_for_good_with_its_options(client, directory):
    db.session.add(VenueRedirect(old_slug="old-cafe-paris", venue_id=directory["central"].id))
    db.session.commit()

    response = client.get("/embed/venue/old-cafe-paris?dates=2&lang=fr")

    assert response.status_code == 301
    assert response.headers["Location"] == "/embed/venue/cafe-central-paris?dates=2&lang=fr"


# --- Languages --------------------------------------------------------------------------------


def test_an_embed_speaks_french_when_its_address_says_so(client, directory):
    response = client.get(MEETUP + "?lang=fr")

    page = soup(response)
    assert page.html["lang"] == "fr"
    assert page.select_one(".zone-note").get_text() == "Heure locale de Paris (Europe/Paris)."
    assert re.search(r"jeudi \d{1,2} \w+ 20\d\d", response.text)
    assert "Annulé" in response.text
    assert page.select_one(".source a").get_text() == "S’abonner"
    assert page.h1.a["href"] == "/m/open-coffee/?lang=fr"


def test_without_a_language_an_embed_follows_each_visitors_browser(client, directory):
    french = client.get(CITY, headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    english = client.get(CITY, headers={"Accept-Language": "en-GB"})

    assert soup(french).html["lang"] == "fr" and soup(english).html["lang"] == "en"
    assert "Accept-Language" in french.headers["Vary"]
    assert french.headers["ETag"] != english.headers["ETag"]


def test_the_compact_layout_writes_short_dates_in_french(client, directory):
    lines = dates_of(client.get(MEETUP + "?layout=compact&lang=fr"))

    assert all(re.match(r"^jeu\. \d{1,2} \w+\.?, \d\d:\d\d–", line) for line in lines), lines


# --- Options ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("dates=0", "“dates” must be a whole number from 1 to 20, not “0”."),
        ("dates=21", "“dates” must be a whole number from 1 to 20, not “21”."),
        ("dates=-1", "“dates” must be a whole number from 1 to 20, not “-1”."),
        ("dates=abc", "“dates” must be a whole number from 1 to 20, not “abc”."),
        ("dates=%D9%A3", "“dates” must be a whole number from 1 to 20, not “٣”."),
        ("dates=99999999999999999999999", "not “99999999999999999999…”."),
        ("dates=", "“dates” must be a whole number from 1 to 20, not “”."),
        ("lang=nl", "“lang” must be one of en, de, es, fr, it, pt, not “nl”."),
        ("layout=grid", "“layout” must be one of list, compact, not “grid”."),
        ("colour=red", "Unknown option “colour”: an embed takes dates, lang, layout."),
        ("dates=3&dates=4", "Give “dates” only once."),
    ],
)
@pytest.mark.parametrize("path", EMBEDS)
def test_a_mistake_in_the_options_is_a_400_that_says_what_to_write(
    client, directory, path, query, message
):
    response = client.get(f"{path}?{query}")

    assert response.status_code == 400
    assert message in soup(response).select_one(".problem").get_text()
    assert "ETag" not in response.headers
    assert response.headers["Content-Security-Policy"] == FRAMABLE_POLICY


def test_a_mistake_is_explained_in_the_language_asked_for(client, directory):
    response = client.get(MEETUP + "?lang=fr&dates=50")

    assert response.status_code == 400
    assert soup(response).select_one(".problem").get_text() == (
        "« dates » doit être un nombre entier de 1 à 20, et non « 50 »."
    )


@pytest.mark.parametrize("count", [1, 7, MAX_DATES])
def test_the_number_of_dates_is_the_one_asked_for(client, directory, count):
    assert len(dates_of(client.get(f"{CITY}?dates={count}"))) == count


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, Options(DEFAULT_DATES, "list", None)),
        ({"dates": ["3"], "layout": ["compact"], "lang": ["fr"]}, Options(3, "compact", "fr")),
        ({"dates": [str(MAX_DATES)]}, Options(MAX_DATES, "list", None)),
    ],
)
def test_options_are_read_from_the_query_string(args, expected):
    assert Options.parse(args, ("en", "fr")) == expected


def test_a_language_not_offered_is_refused_rather_than_ignored():
    with pytest.raises(OptionError):
        Options.parse({"lang": ["fr"]}, ("en",))


# --- Caching ---------------------------------------------------------------------------------


def test_an_embed_answers_304_while_nothing_changed(client, directory):
    first = client.get(CITY)
    etag = first.headers["ETag"]

    again = client.get(CITY, headers={"If-None-Match": etag})

    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Content-Security-Policy"] == FRAMABLE_POLICY
    assert "X-Frame-Options" not in again.headers
    assert first.headers["Cache-Control"] == "public, max-age=60"


def test_an_edit_shows_at_once_under_a_new_etag(client, directory):
    etag = client.get(MEETUP).headers["ETag"]
    meetup = directory["central"].meetups[0]
    meetup.name = "Open Coffee Club"
    db.session.commit()

    response = client.get(MEETUP, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert response.headers["ETag"] != etag
    assert soup(response).h1.get_text() == "Open Coffee Club"


def test_each_set_of_options_has_its_own_etag(client, directory):
    tags = {client.get(CITY + query).headers["ETag"] for query in ("", "?dates=2", "?lang=fr")}

    assert len(tags) == 3


def test_next_dates_move_on_with_the_clock(client, directory, monkeypatch, app):
    etag = client.get(CITY).headers["ETag"]
    later = time.time() + app.config["PAGE_CACHE_SECONDS"]
    monkeypatch.setattr(time, "time", lambda: later)

    assert client.get(CITY, headers={"If-None-Match": etag}).status_code == 200


def test_with_the_page_cache_off_every_embed_is_rendered_and_has_no_etag(app, client, directory):
    app.config["PAGE_CACHE_SECONDS"] = 0

    response = client.get(CITY)

    assert response.status_code == 200
    assert "ETag" not in response.headers


# --- The snippet on the pages ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "embed", "title"),
    [
        ("/fr/paris/", CITY, "Meetups in Paris"),
        ("/v/cafe-central-paris/", VENUE, "Meetups at Café Central"),
        ("/m/open-coffee/", MEETUP, "Open Coffee"),
    ],
)
def test_each_page_offers_a_snippet_that_frames_its_embed(client, directory, page, embed, title):
    code = soup(client.get(page)).select_one("textarea.embed-code").get_text()

    snippet = BeautifulSoup(code, "html5lib")
    frame = snippet.select_one("iframe")
    assert frame["src"] == "http://127.0.0.1:5000" + embed
    assert frame["title"] == title
    assert snippet.select_one("script")["src"] == "http://127.0.0.1:5000/static/embed.js"
    assert client.get(frame["src"].removeprefix("http://127.0.0.1:5000")).status_code == 200


def test_a_french_pages_snippet_frames_the_french_embed(client, directory):
    page = soup(client.get("/m/open-coffee/?lang=fr"))

    assert page.select_one(".embed-snippet summary").get_text() == (
        "Afficher ces dates sur votre site"
    )
    code = BeautifulSoup(page.select_one("textarea.embed-code").get_text(), "html5lib")
    assert code.iframe["src"] == "http://127.0.0.1:5000/embed/meetup/open-coffee?lang=fr"


def test_the_host_script_is_served_from_our_static_folder(client):
    with client.get("/static/embed.js") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"


# --- In a browser, on another site --------------------------------------------------------------


class _HostPage(BaseHTTPRequestHandler):
    """A café's website on another origin (another port): one page that frames an embed."""

    html = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.html)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def host_site() -> Iterator[Callable[[str], str]]:
    """`host_site(body)`: a page with that body, on another origin; returns its address."""
    handler = type("Handler", (_HostPage,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def serve(body: str) -> str:
        handler.html = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<link rel="icon" href="data:,"><title>Café Central</title></head>'
            f"<body><h1>Welcome to Café Central</h1>{body}<p>Opening hours: 8–18.</p></body></html>"
        ).encode()
        return f"http://127.0.0.1:{server.server_port}/"

    yield serve
    server.shutdown()
    thread.join()
    server.server_close()


def open_host_page(browser, viewport: dict, address: str) -> tuple[Any, Any, list[str], set[str]]:
    """The page, its context, what went wrong in it (frames included), and the hosts it asked."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    problems: list[str] = []
    hosts: set[str] = set()
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto(address)
    page.wait_for_load_state("networkidle")
    return page, context, problems, hosts


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_an_embed_renders_framed_on_another_site_with_no_cookie_and_no_console_error(
    browser, live_server, host_site, directory, viewport
):
    frame_tag = f'<iframe src="{live_server}{VENUE}" title="Meetups" width="100%" height="200">'
    host = host_site(frame_tag + "</iframe>")

    page, context, problems, hosts = open_host_page(browser, viewport, host)

    frame = page.frame_locator("iframe")
    assert frame.get_by_role("heading", level=1).inner_text() == "Café Central"
    assert frame.locator("ol.dates li").count() == DEFAULT_DATES
    assert problems == []
    assert hosts == {urlsplit(host).netloc, urlsplit(live_server).netloc}
    assert context.cookies() == []
    # Without our script on the host page the frame keeps its height and scrolls.
    assert page.locator("iframe").evaluate("frame => frame.clientHeight") == 200
    inner = page.frames[1]
    assert inner.evaluate("document.documentElement.scrollHeight > window.innerHeight")
    assert inner.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_with_our_script_the_host_page_sizes_the_frame_to_fit(
    browser, live_server, host_site, directory, viewport
):
    host = host_site(
        f'<iframe src="{live_server}{CITY}?dates=3&lang=fr" title="Meetups" width="100%" '
        f'height="100"></iframe><script src="{live_server}/static/embed.js" async></script>'
    )

    page, context, problems, _ = open_host_page(browser, viewport, host)
    page.wait_for_function("document.querySelector('iframe').style.height !== ''")

    inner = page.frames[1]
    content = inner.evaluate("Math.ceil(document.documentElement.getBoundingClientRect().height)")
    framed = page.locator("iframe").evaluate("frame => frame.clientHeight")
    assert abs(framed - content) <= 1
    assert inner.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
    assert page.frame_locator("iframe").locator("h1").inner_text() == "Meetups à Paris"
    assert problems == []
    assert context.cookies() == []
    context.close()


@pytest.mark.browser
def test_the_other_pages_still_refuse_to_be_framed(browser, live_server, host_site, directory):
    host = host_site(f'<iframe src="{live_server}/m/open-coffee/" title="Meetup"></iframe>')

    page, context, problems, _ = open_host_page(browser, DESKTOP, host)

    assert any("frame-ancestors" in problem for problem in problems), problems
    assert "Open Coffee" not in page.frames[-1].evaluate("document.documentElement.outerHTML")
    context.close()


@pytest.mark.parametrize("path", EMBEDS)
def test_an_embed_costs_the_same_queries_however_many_meetups_and_moves(
    client, directory, make_meetup, count_queries, app, path
):
    app.config["PAGE_CACHE_SECONDS"] = 0  # render every time
    before = count_queries(lambda: client.get(path))
    thursdays = directory["thursdays"]
    for n in range(4):
        make_meetup(
            f"Coffee {n}",
            venue=directory["central"],
            changes=[{"original_date": thursdays[0], "venue_id": directory["annex"].id}],
        )

    assert count_queries(lambda: client.get(path)) == before


def test_a_304_costs_no_query_while_the_data_version_holds(app, client, directory, count_queries):
    app.extensions["data_version"].ttl = 60  # however slow the machine running the test
    etag = client.get(CITY).headers["ETag"]

    assert count_queries(lambda: client.get(CITY, headers={"If-None-Match": etag})) == 0
