"""Benchmarks of the meetups site (`make bench`): separate from the tests, reported not asserted."""
