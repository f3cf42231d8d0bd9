"""python -m sandbox run DIR: start the sandbox, write DIR/sandbox.json, run until SIGTERM."""
import sys

from sandbox.sandbox import main

sys.exit(main())
