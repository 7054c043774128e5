"""Performance benchmark of issues 3–7: a generated national dataset and timed operations against it.

Not part of the test suite: run with `make bench` (10^5 cadres, 10^6 postings, database rr_bench)
or `make bench SIZE=small` (5,000 cadres, 50,000 postings, database rr_bench_small; CI runs it after
`make test`). The dataset alone: `python manage.py generate_dataset`. See docs/performance.md.
"""
