"""``python -m amurlink.swd``: kept for users' scripts; the command is :mod:`amurlink.apps.swd`."""

import sys

from amurlink.apps.swd import main

if __name__ == "__main__":
    sys.exit(main())
