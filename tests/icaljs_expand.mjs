// Expand an iCalendar feed with ical.js, the parser inside Thunderbird.
//
// Usage: node tests/icaljs_expand.mjs START END [HH:MM ...] < feed.ics
//   START, END: window as YYYY-MM-DD (instances starting in [START, END) UTC);
//   HH:MM: local wall-clock times at which to read each VTIMEZONE's UTC
//   offset on every day of the window (default 12:00).
//
// Only the feed's own VTIMEZONE components are registered with ICAL's
// TimezoneService (ical.js ships no zone data besides UTC), so the output
// shows how a client that trusts the feed reads it. Prints JSON:
//   {"events": {UID: [{recurrence_id, start, end, local_start, tzid, location}]},
//    "offsets": {TZID: {"YYYY-MM-DDTHH:MM": seconds east of UTC}}}

import ICAL from "ical.js";
import { readFileSync } from "node:fs";

// Moved dates can leave the window or enter it: expand the rule this much wider.
const MARGIN_DAYS = 62;

function parseDay(text) {
  const [year, month, day] = text.split("-").map(Number);
  return ICAL.Time.fromData({ year, month, day, isDate: false }, ICAL.Timezone.utcTimezone);
}

function shifted(time, days) {
  const copy = time.clone();
  copy.adjust(days, 0, 0, 0);
  return copy;
}

function utcIso(time) {
  return time.toJSDate().toISOString();
}

function registerTimezones(calendar) {
  ICAL.TimezoneService.reset();
  return calendar.getAllSubcomponents("vtimezone").map((component) => {
    const zone = new ICAL.Timezone(component);
    ICAL.TimezoneService.register(zone);
    return zone;
  });
}

function instance(details) {
  const start = details.startDate;
  return {
    recurrence_id: details.recurrenceId ? details.recurrenceId.toString() : null,
    start: utcIso(start),
    end: utcIso(details.endDate),
    local_start: start.toString(),
    tzid: start.zone ? start.zone.tzid : null,
    location: details.item.location,
  };
}

function expand(event, windowStart, windowEnd) {
  if (!event.isRecurring()) {
    return [{ recurrenceId: null, startDate: event.startDate, endDate: event.endDate, item: event }];
  }
  const found = [];
  const stop = shifted(windowEnd, MARGIN_DAYS);
  const iterator = event.iterator();
  for (let next = iterator.next(); next; next = iterator.next()) {
    if (next.compare(stop) >= 0) {
      break;
    }
    found.push(event.getOccurrenceDetails(next));
  }
  return found.filter(
    (details) =>
      details.startDate.compare(windowStart) >= 0 && details.startDate.compare(windowEnd) < 0,
  );
}

function eventsByUid(calendar) {
  const masters = new Map();
  const exceptions = [];
  for (const component of calendar.getAllSubcomponents("vevent")) {
    // Given no exceptions, ICAL.Event relates every RECURRENCE-ID in the calendar to
    // this master whatever its UID; relate them by UID below, as Thunderbird does.
    const event = new ICAL.Event(component, { exceptions: [] });
    if (event.isRecurrenceException()) {
      exceptions.push(event);
    } else {
      masters.set(event.uid, event);
    }
  }
  for (const exception of exceptions) {
    masters.get(exception.uid).relateException(exception);
  }
  return masters;
}

function offsets(zone, windowStart, windowEnd, wallClocks) {
  const result = {};
  for (let day = windowStart.clone(); day.compare(windowEnd) < 0; day = shifted(day, 1)) {
    for (const wallClock of wallClocks) {
      const [hour, minute] = wallClock.split(":").map(Number);
      const local = ICAL.Time.fromData({
        year: day.year,
        month: day.month,
        day: day.day,
        hour,
        minute,
      });
      result[local.toString().slice(0, 16)] = zone.utcOffset(local);
    }
  }
  return result;
}

function main() {
  const [startText, endText, ...wallClockArgs] = process.argv.slice(2);
  const windowStart = parseDay(startText);
  const windowEnd = parseDay(endText);
  const wallClocks = wallClockArgs.length ? wallClockArgs : ["12:00"];
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(0, "utf8")));
  const zones = registerTimezones(calendar);

  const events = {};
  for (const [uid, event] of eventsByUid(calendar)) {
    events[uid] = expand(event, windowStart, windowEnd).map(instance);
  }
  const zoneOffsets = {};
  for (const zone of zones) {
    zoneOffsets[zone.tzid] = offsets(zone, windowStart, windowEnd, wallClocks);
  }
  process.stdout.write(JSON.stringify({ events, offsets: zoneOffsets }));
}

main();
