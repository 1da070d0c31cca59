"""``python -m flatpeak_connect``: the command line."""

from flatpeak_connect.cli import main

raise SystemExit(main())
