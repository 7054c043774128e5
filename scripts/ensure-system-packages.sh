#!/usr/bin/env bash
# Installs the Debian packages the tests need, only those missing (dpkg -s first, so this
# costs a few milliseconds when everything is there):
#   fonts-liberation2  Liberation Serif (Times-metric, full Vietnamese) for the PDF documents
#   poppler-utils      pdftotext / pdffonts / pdftoppm, to read generated PDFs back in tests
#   chromium           the browser the end-to-end tests drive (tests/e2e/, Playwright with
#                      executable_path=/usr/bin/chromium: `playwright install` cannot download one)
#   postgresql-15      initdb / pg_ctl / pg_dump of PostgreSQL 15 (/usr/lib/postgresql/15/bin): the fault
#                      tests (tests/faults/) start and restart a cluster of their own
#   redis-server       the fault tests start, stop and freeze a redis-server of their own
# Extra package names can be given as arguments.
set -euo pipefail

exec bash "$(dirname "$0")/apt-install-missing.sh" fonts-liberation2 poppler-utils chromium postgresql-15 redis-server "$@"
