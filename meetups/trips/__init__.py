"""Travellers: a trip planner with its own feed, and what happens soon directory-wide."""
