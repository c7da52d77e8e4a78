"""The freshness loop: watchers asked if a listing still happens, then moderators."""
