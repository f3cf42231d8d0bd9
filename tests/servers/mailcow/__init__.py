"""A Mailcow API emulator for tests and the demo sandbox (see emulator.py)."""
