"""What search engines and link previews read: robots.txt, sitemaps, JSON-LD."""
