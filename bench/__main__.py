"""Entry point: ``python -m bench --help``; ``python -m bench wave --help`` for the wave benchmark."""
import sys

if sys.argv[1:2] == ["wave"]:
    from bench.wave import main
    sys.exit(main(sys.argv[2:]))

from bench.run import main  # noqa: E402 (the copy-tool benchmark, as before)

sys.exit(main())
