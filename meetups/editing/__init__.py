"""Volunteers' edits: forms, operations, history, undo, deletion and locking."""
