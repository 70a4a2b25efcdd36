"""``python -m amurlink.circuitscape_ini``: kept for users' scripts; the command is :mod:`amurlink.apps.circuitscape_ini`."""

import sys

from amurlink.apps.circuitscape_ini import main

if __name__ == "__main__":
    sys.exit(main())
