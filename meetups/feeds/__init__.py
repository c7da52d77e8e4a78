"""iCalendar feeds: the writer, the catalogue, series rows, files, export and SEQUENCE."""
