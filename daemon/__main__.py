"""``python -m daemon`` is the same as the ``dsco-lingxing`` console script."""

from __future__ import annotations

import sys

from daemon.cli import main

sys.exit(main())
