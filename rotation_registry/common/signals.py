"""Signals shared across apps, defined here so that senders need not import their listeners.

`registry_changed` lets the write services (cadres, postings, imports) say "the registry's data
changed" without importing `reports`, which listens to it to schedule a recompute of the
statistics once the transaction commits (reports/runs.py, docs/statistics-jobs.md). Dependencies
keep pointing one way: cadres ← postings ← plans ← reports.

Send it after a write, inside the write's transaction:

    registry_changed.send(sender=Posting)

Sending it once per row is fine: listeners must collapse a transaction's sends into one action.
It is a hint only. The statistics also notice changes through the data version that database
triggers keep (reports/migrations/0004_data_version.py), so a write that sends nothing (raw SQL,
the admin) is still caught by the staleness check and the nightly recompute.
"""

from __future__ import annotations

from django.dispatch import Signal

registry_changed = Signal()
