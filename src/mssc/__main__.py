"""``python -m mssc``: the same as the ``mssc`` command."""

from mssc.cli import main

raise SystemExit(main())
