"""Benchmarks that print figures beside their targets: `python -m bench [--quick]`."""
