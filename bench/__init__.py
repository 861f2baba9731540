"""Benchmarks of the pipeline against the alternatives a user would pick: `make bench`.

Timings live here and never in the tests. `python -m bench` prints the table and writes the
same figures to bench/results.json.
"""
