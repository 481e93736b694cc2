"""One module per group of `verify` subcommands; `verify.cli` registers them."""
