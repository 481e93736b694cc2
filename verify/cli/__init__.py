"""The `verify` command line: the only place that imports Click or turns errors into exit codes.

`app` holds the Click group; one module per command group (`inspect`,
`hashing`, `bank`, `batch`, `report`, `doctor`) parses options, calls one
library function and renders the result with `render`. The installed
command runs `run` (the group, then a quick exit); tests call `main`.
"""

from verify.cli.app import main, run

__all__ = ["main", "run"]
