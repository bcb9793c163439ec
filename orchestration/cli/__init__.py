"""The `ecom` command line: one entry point for every user-facing action."""
