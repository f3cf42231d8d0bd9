"""The Mailwave sandbox: a small world to run a migration wave in (see sandbox.py)."""
