"""The `verify` command line: the only place that imports Click or turns errors into exit codes.

`app` holds the Click group; one module per command group (`inspect`,
`hashing`, `bank`, `batch`, `report`, `doctor`) parses options, calls one
library function and renders the result with `render`.
"""

from verify.cli.app import main

__all__ = ["main"]
