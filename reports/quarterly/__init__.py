"""Quarterly reports of subordinate Party committees: periods, filing, review, the province's report (issue 6).

docs/quarterly-reports.md describes the workflow and the decisions; the modules follow the project's
pattern: prefill (figures from the registry), services (every write), selectors (every read, scoped),
forms, views, urls, tasks (reminders), documents (PDF).
"""
