/* Expand an iCalendar feed with libical, the parser behind Evolution and GNOME Calendar.
 *
 * Usage: libical_expand START END [HH:MM ...] < feed.ics
 *   START, END: window as YYYY-MM-DD (instances starting in [START, END) UTC);
 *   HH:MM: local wall-clock times at which to read each VTIMEZONE's UTC offset
 *   on every day of the window (default 12:00).
 *
 * Built by `make libical` (tests/calendar_parsers.py runs it). Times with a TZID
 * are placed by libical with the feed's own VTIMEZONE components, as Evolution
 * places them; the rule is expanded by libical's recurrence iterator. Like a
 * calendar client, this program leaves out EXDATEs and puts each RECURRENCE-ID
 * override in place of the instance it names, matching them by the instant
 * libical gives each (libical's iterator states a skipped time as the time after
 * the gap, so the local text would not match). Prints the JSON
 * that tests/icaljs_expand.mjs prints:
 *   {"events": {UID: [{recurrence_id, start, end, local_start, tzid, location}]},
 *    "offsets": {TZID: {"YYYY-MM-DDTHH:MM": seconds east of UTC}}}
 */

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Moved dates can leave the window or enter it: expand the rule this much wider. */
#define MARGIN_SECONDS (62 * 86400)

static char *read_all(FILE *stream) {
    size_t size = 0, capacity = 1 << 16;
    char *buffer = malloc(capacity);
    size_t got;
    while (buffer && (got = fread(buffer + size, 1, capacity - size - 1, stream)) > 0) {
        size += got;
        if (capacity - size < 2) {
            capacity *= 2;
            buffer = realloc(buffer, capacity);
        }
    }
    if (buffer) buffer[size] = '\0';
    return buffer;
}

static void print_json_string(const char *text) {
    putchar('"');
    for (const unsigned char *c = (const unsigned char *)(text ? text : ""); *c; c++) {
        if (*c == '"' || *c == '\\') printf("\\%c", *c);
        else if (*c < 0x20) printf("\\u%04x", *c);
        else putchar(*c);
    }
    putchar('"');
}

static time_t parse_day(const char *text) {
    struct icaltimetype day = icaltime_from_string(text);
    day.is_date = 0;
    return icaltime_as_timet_with_zone(day, icaltimezone_get_utc_timezone());
}

/* The instant of a time as libical places it: in its zone, or UTC. */
static time_t instant(struct icaltimetype moment) {
    const icaltimezone *zone = moment.zone ? moment.zone : icaltimezone_get_utc_timezone();
    return icaltime_as_timet_with_zone(moment, zone);
}

/* "YYYY-MM-DDTHH:MM:SS", the wall clock as stated. */
static void wall_clock(struct icaltimetype moment, char *out, size_t size) {
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d", moment.year, moment.month,
             moment.day, moment.hour, moment.minute, moment.second);
}

static void print_utc(time_t moment) {
    struct tm parts;
    char text[32];
    gmtime_r(&moment, &parts);
    strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    print_json_string(text);
}

static int first_item = 1;

static void print_instance(const char *recurrence_id, struct icaltimetype start,
                           struct icaltimetype end, icalcomponent *event) {
    char local[32];
    wall_clock(start, local, sizeof local);
    printf("%s{\"recurrence_id\": ", first_item ? "" : ", ");
    first_item = 0;
    if (recurrence_id) print_json_string(recurrence_id);
    else printf("null");
    printf(", \"start\": ");
    print_utc(instant(start));
    printf(", \"end\": ");
    print_utc(instant(end));
    printf(", \"local_start\": ");
    print_json_string(local);
    printf(", \"tzid\": ");
    if (start.zone) print_json_string(icaltimezone_get_tzid((icaltimezone *)start.zone));
    else if (icaltime_is_utc(start)) print_json_string("UTC");
    else printf("null");
    printf(", \"location\": ");
    print_json_string(icalcomponent_get_location(event));
    putchar('}');
}

static int in_window(struct icaltimetype start, time_t first, time_t end) {
    time_t moment = instant(start);
    return moment >= first && moment < end;
}

/* The feed's VEVENTs, gathered once: libical has one component cursor per parent. */
static icalcomponent **events;
static int event_count;

/* A RECURRENCE-ID or EXDATE value, in the series' zone unless written in UTC. */
static time_t named_instant(struct icaltimetype named, const icaltimezone *series_zone) {
    if (!icaltime_is_utc(named)) named.zone = series_zone;
    return instant(named);
}

/* The override of `uid` that names the instance at `moment`, if any. */
static icalcomponent *override_for(const char *uid, time_t moment, const icaltimezone *zone) {
    for (int i = 0; i < event_count; i++) {
        icalcomponent *event = events[i];
        icalproperty *property = icalcomponent_get_first_property(event, ICAL_RECURRENCEID_PROPERTY);
        if (!property || strcmp(icalcomponent_get_uid(event), uid) != 0) continue;
        if (named_instant(icalproperty_get_recurrenceid(property), zone) == moment) return event;
    }
    return NULL;
}

static int excluded(icalcomponent *master, time_t moment, const icaltimezone *zone) {
    for (icalproperty *property = icalcomponent_get_first_property(master, ICAL_EXDATE_PROPERTY);
         property; property = icalcomponent_get_next_property(master, ICAL_EXDATE_PROPERTY)) {
        if (named_instant(icalproperty_get_exdate(property), zone) == moment) return 1;
    }
    return 0;
}

static void expand(icalcomponent *master, time_t first, time_t end) {
    struct icaltimetype dtstart = icalcomponent_get_dtstart(master);
    icalproperty *rule = icalcomponent_get_first_property(master, ICAL_RRULE_PROPERTY);
    if (!rule) {
        struct icaltimetype dtend = icalcomponent_get_dtend(master);
        if (in_window(dtstart, first, end)) print_instance(NULL, dtstart, dtend, master);
        return;
    }
    struct icaldurationtype duration = icalcomponent_get_duration(master);
    const char *uid = icalcomponent_get_uid(master);
    /* The rule counts on the local clock (RFC 5545 section 3.3.10): given a zone, libical
     * 3.0's iterator moves a date skipped by a clock change to the hour after the gap and
     * keeps that hour for every later date. */
    struct icaltimetype local_start = dtstart;
    local_start.zone = NULL;
    icalrecur_iterator *iterator = icalrecur_iterator_new(icalproperty_get_rrule(rule), local_start);
    for (struct icaltimetype next = icalrecur_iterator_next(iterator); !icaltime_is_null_time(next);
         next = icalrecur_iterator_next(iterator)) {
        next.zone = dtstart.zone;
        if (instant(next) >= end + MARGIN_SECONDS) break;
        char local[32];
        wall_clock(next, local, sizeof local);
        if (excluded(master, instant(next), dtstart.zone)) continue;
        icalcomponent *moved = override_for(uid, instant(next), dtstart.zone);
        if (moved) {
            struct icaltimetype start = icalcomponent_get_dtstart(moved);
            if (in_window(start, first, end))
                print_instance(local, start, icalcomponent_get_dtend(moved), moved);
        } else if (in_window(next, first, end)) {
            print_instance(local, next, icaltime_add(next, duration), master);
        }
    }
    icalrecur_iterator_free(iterator);
}

static void print_offsets(icalcomponent *calendar, time_t first, time_t end, int clocks,
                          char **wall_clocks) {
    int first_zone = 1;
    for (icalcomponent *component = icalcomponent_get_first_component(calendar, ICAL_VTIMEZONE_COMPONENT);
         component; component = icalcomponent_get_next_component(calendar, ICAL_VTIMEZONE_COMPONENT)) {
        const char *tzid = icalproperty_get_tzid(icalcomponent_get_first_property(component, ICAL_TZID_PROPERTY));
        icaltimezone *zone = icalcomponent_get_timezone(calendar, tzid);
        printf("%s", first_zone ? "" : ", ");
        first_zone = 0;
        print_json_string(tzid);
        printf(": {");
        int first_offset = 1;
        for (time_t day = first; day < end; day += 86400) {
            struct icaltimetype date = icaltime_from_timet_with_zone(day, 0, icaltimezone_get_utc_timezone());
            for (int i = 0; i < clocks; i++) {
                struct icaltimetype local = date;
                int is_daylight;
                local.zone = NULL;
                sscanf(wall_clocks[i], "%d:%d", &local.hour, &local.minute);
                local.second = 0;
                char key[32];
                snprintf(key, sizeof key, "%04d-%02d-%02dT%02d:%02d", local.year, local.month,
                         local.day, local.hour, local.minute);
                printf("%s\"%s\": %d", first_offset ? "" : ", ", key,
                       icaltimezone_get_utc_offset(zone, &local, &is_daylight));
                first_offset = 0;
            }
        }
        putchar('}');
    }
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s START END [HH:MM ...] < feed.ics\n", argv[0]);
        return 2;
    }
    char *default_clock[] = {"12:00"};
    char **wall_clocks = argc > 3 ? argv + 3 : default_clock;
    int clocks = argc > 3 ? argc - 3 : 1;
    time_t first = parse_day(argv[1]), end = parse_day(argv[2]);
    char *text = read_all(stdin);
    icalcomponent *calendar = text ? icalparser_parse_string(text) : NULL;
    if (!calendar) {
        fprintf(stderr, "libical could not parse the feed: %s\n", icalerror_strerror(icalerrno));
        return 1;
    }
    event_count = icalcomponent_count_components(calendar, ICAL_VEVENT_COMPONENT);
    events = calloc(event_count + 1, sizeof *events);
    event_count = 0;
    for (icalcomponent *event = icalcomponent_get_first_component(calendar, ICAL_VEVENT_COMPONENT);
         event; event = icalcomponent_get_next_component(calendar, ICAL_VEVENT_COMPONENT))
        events[event_count++] = event;
    printf("{\"events\": {");
    int first_uid = 1;
    for (int i = 0; i < event_count; i++) {
        if (icalcomponent_get_first_property(events[i], ICAL_RECURRENCEID_PROPERTY)) continue;
        printf("%s", first_uid ? "" : ", ");
        first_uid = 0;
        print_json_string(icalcomponent_get_uid(events[i]));
        printf(": [");
        first_item = 1;
        expand(events[i], first, end);
        putchar(']');
    }
    printf("}, \"offsets\": {");
    print_offsets(calendar, first, end, clocks, wall_clocks);
    printf("}}\n");
    icalcomponent_free(calendar);
    free(events);
    free(text);
    return 0;
}
