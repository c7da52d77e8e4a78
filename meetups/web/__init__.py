"""What every page shares: language, dates on pages, templates, caching, headers, limits."""
