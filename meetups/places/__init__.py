"""Where things are: distances, geocoding, the gazetteer and place names."""
