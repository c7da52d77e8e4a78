"""Reports from anyone, and the moderators' dashboard."""
