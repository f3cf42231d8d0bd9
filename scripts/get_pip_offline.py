"""Stand-in for the get-pip script that ansible-test downloads to bootstrap pip in its venvs.

ansible-test fetches it from a host that machines without general internet access cannot reach.
This does the same job with what Python ships: bootstrap pip with ensurepip, then install the
requested packages from the index pip is configured to use. Both steps run in subprocesses so that
pip keeps its configuration files (ensurepip blanks PIP_CONFIG_FILE in its own process).
"""
import subprocess
import sys

packages = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check"] + packages))
