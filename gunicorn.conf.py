"""gunicorn's settings for the web service (docker-compose `web`, the deployment tests, the load test).

gunicorn reads this file itself from the working directory; command-line options override it.
Threads (gthread): a request waiting on PostgreSQL, or a burst of cheap refusals (a locked-out
login, a probe), does not hold a whole process, so other users' pages are not queued behind them
on a 2-core server (tests/faults/test_login_burst.py). Each thread keeps its own database
connection (CONN_MAX_AGE): workers × threads connections per web container.
"""

import os

workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
# The TLS proxy's address: only its X-Forwarded-* headers are believed (also read by the app's lockout).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# A worker is replaced after this many requests (with jitter, not all at once): memory stays bounded.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# No access log of gunicorn's own: the app writes one JSON line per request with its id (common/request_id.py).
accesslog = None
