"""Mailwave IMAP benchmark: imap_sync vs mbsync vs doveadm backup on real Dovecot (``python -m bench``).

See docs/benchmark.md. Not part of ``make test``; tests/integration/bench/test_bench_smoke.py keeps the
harness from rotting.
"""
