"""The `verify` command line: the only place that imports Click or turns errors into exit codes.

`app` holds the Click group; one module per command group (`inspect`,
`hashing`, `bank`, `batch`, `report`, `doctor`) parses options, calls one
library function and renders the result with `render`. The installed
command runs `run` (the group, then a quick exit); tests call `main`.
"""

import os

# numpy's OpenBLAS runs a thread per core, each spinning between products for a
# while. verify's products are small (frames of 160x90) and gain nothing from a
# second thread, whose spinning takes the core ffmpeg decodes on: on two cores,
# fingerprinting a 10 s 720p clip took 0.256 s with it and 0.223 s without (its
# threads' processor time 0.162 s against 0.057 s). Set before numpy loads; a
# value the user set stays.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from verify.cli.app import main, run

__all__ = ["main", "run"]
