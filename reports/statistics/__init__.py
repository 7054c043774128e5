"""Rotation statistics: `compute(parameters)` gives every figure with its explanation and drill-down links.

See engine.py for the output contract and docs/statistics.md for the counting rules.
"""
