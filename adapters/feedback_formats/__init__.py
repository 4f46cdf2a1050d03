"""Feedback wire formats: webhook bodies, CSV exports with a column mapping, JSON Lines files, read into records."""

from adapters.feedback_formats.body import FeedbackBodyError, read_body
from adapters.feedback_formats.csv_rows import UnreadableDate, parse_csv, parse_csv_time
from adapters.feedback_formats.imports import decode_import, parse_import, parse_json_array, parse_jsonl
from adapters.feedback_formats.mapping import FIELDS, InvalidMapping, parse_mapping

__all__ = [
    "FIELDS",
    "FeedbackBodyError",
    "InvalidMapping",
    "UnreadableDate",
    "decode_import",
    "parse_csv",
    "parse_csv_time",
    "parse_import",
    "parse_json_array",
    "parse_jsonl",
    "parse_mapping",
    "read_body",
]
