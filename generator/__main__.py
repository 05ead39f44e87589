"""`python -m generator` is the same as the `aiccgen` command."""

import sys

from .cli import main

sys.exit(main())
