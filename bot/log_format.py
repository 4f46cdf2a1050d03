"""`CLUELINE_LOG_FORMAT=json`: one JSON object a line, for log pipelines that parse rather than grep."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from bot.log_context import current_fields
from bot.log_privacy import mask

# Attributes a record may carry through `extra=` that become fields of the line.
EXTRA_FIELDS = ("duration_ms",)


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, the work's fields (event, platform, feature), duration and traceback."""

    def format(self, record: logging.LogRecord) -> str:
        # The handler's PrivacyFilter has already masked the message and traceback; the fields are ours (a
        # hashed event id, a platform, a feature name) but are masked too, so no field is a way around it.
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({name: mask(value) for name, value in current_fields().items()})
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if isinstance(value, int | float):
                line[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = mask(self.formatException(record.exc_info))
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)
