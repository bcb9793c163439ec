"""Benchmarks (`make bench`): each bench_*.py prints one JSON object; __main__ records them."""
