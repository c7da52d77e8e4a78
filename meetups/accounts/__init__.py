"""Volunteer accounts: sign-up, sign-in, passwords and roles."""
