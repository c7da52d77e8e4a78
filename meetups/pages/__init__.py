"""Public pages: countries, cities, venues and meetups."""
