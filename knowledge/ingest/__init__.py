"""Loaders that turn files (Markdown/MDX, HTML, text, PDF, FAQ CSV, campaign calendars) into chunks."""

from knowledge.ingest.errors import IngestError, UnreadableFile, UnsupportedFile
from knowledge.ingest.loader import SUPPORTED_SUFFIXES, FileToIngest, discover, load_file, source_name

__all__ = [
    "SUPPORTED_SUFFIXES",
    "FileToIngest",
    "IngestError",
    "UnreadableFile",
    "UnsupportedFile",
    "discover",
    "load_file",
    "source_name",
]
