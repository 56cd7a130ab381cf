"""``python -m ranvier.cli`` runs the command line, as ``python -m ranvier`` does."""

import sys

from . import main

if __name__ == "__main__":  # importing the module (as documentation tools do) runs nothing
    sys.exit(main())
