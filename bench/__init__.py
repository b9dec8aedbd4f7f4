"""Benchmarks: `python -m bench [name …]` (or `make bench`). Each prints its figure and the floor it compares to."""
