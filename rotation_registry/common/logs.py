"""Log lines as JSON objects, one per line, each with the id of the request that caused it.

Used by LOGGING in the settings: `RequestIdFilter` stamps the current request id (or null outside a
request: Celery jobs, commands) on every record, and `JsonFormatter` writes time, level, logger,
message, request_id, the request fields the request log adds (method, path, status, duration_ms,
client_ip) and any exception. Standard library only: a log aggregator needs nothing more than this.
"""

from __future__ import annotations

import datetime
import json
import logging

from celery import current_task

from rotation_registry.common.request_id import current_request_id

# Extra fields copied into the JSON object when a record carries them (logger.info(..., extra={...})).
EXTRA_FIELDS = ("method", "path", "status", "duration_ms", "client_ip", "task_id", "task_name")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get()
        task = getattr(current_task, "request", None)  # inside a Celery job: which one
        if task is not None and getattr(task, "id", None) and not hasattr(record, "task_id"):
            record.task_id = task.id
            record.task_name = current_task.name
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", current_request_id.get()),
        }
        for field in EXTRA_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: a message argument or extra that JSON cannot hold is still logged, as text.
        return json.dumps(entry, ensure_ascii=False, default=str)
