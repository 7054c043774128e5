"""Performance benchmark of issue 3: a generated national dataset and timed requests against it.

Not part of the test suite: run with `make bench` (10^5 cadres, 10^6 postings, database rr_bench)
or `make bench SIZE=small` (5,000 cadres, 50,000 postings, database rr_bench_small).
See docs/performance.md.
"""
