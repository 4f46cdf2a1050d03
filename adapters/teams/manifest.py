"""The Teams app package: manifest.json plus the colour and outline icons, zipped for sideloading."""

from __future__ import annotations

import json
import re
import struct
import uuid
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST_VERSION = "1.16"
SCHEMA_URL = (
    f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
)
ACCENT = (0x2B, 0x59, 0xC3)
COMMANDS = (
    ("ask", "Ask a product question"),
    ("pulse", "Create or answer a pulse question"),
    ("help", "What Clueline can do"),
)

Pixel = tuple[int, int, int, int]


PLACEHOLDER_SITE = "https://clueline.example.com"
# Teams' manifest schema: a version of three numbers, and pages of at most 2,048 characters.
_VERSION = re.compile(r"\d{1,9}\.\d{1,9}\.\d{1,9}")
MAX_URL = 2048


class ManifestError(ValueError):
    """The package cannot be built from what was given."""


@dataclass(frozen=True)
class Publisher:
    """Who publishes the app, as Teams shows it: the package's version (each upload of an update needs a higher
    one) and the developer's pages (Teams requires https)."""

    version: str = "1.0.0"
    website: str = PLACEHOLDER_SITE
    privacy_url: str | None = None  # default: the website's /privacy
    terms_url: str | None = None  # default: the website's /terms

    def checked(self) -> dict[str, str]:
        """The manifest's version and developer pages; ManifestError naming the option that is wrong."""
        if not _VERSION.fullmatch(self.version):
            raise ManifestError(f"--version must be three numbers like 1.0.1, got {self.version!r}")
        site = self.website.rstrip("/")
        pages = {
            "websiteUrl": ("--website", site),
            "privacyUrl": ("--privacy-url", self.privacy_url or f"{site}/privacy"),
            "termsOfUseUrl": ("--terms-url", self.terms_url or f"{site}/terms"),
        }
        for option, url in pages.values():
            if not url.startswith("https://") or len(url) > MAX_URL:
                raise ManifestError(f"{option} must be an https:// address (Teams requires it), got {url!r}")
        return {"version": self.version, **{key: url for key, (_, url) in pages.items()}}


def manifest(app_id: str, publisher: Publisher | None = None) -> dict[str, Any]:
    """manifest.json of the Clueline bot registered as `app_id` (the Entra app id of the Azure Bot)."""
    try:
        bot_id = str(uuid.UUID(app_id))
    except ValueError:
        raise ManifestError(f"--app-id must be the bot's Microsoft App ID (a GUID), got {app_id!r}") from None
    published = (publisher or Publisher()).checked()
    scopes = ["personal", "team", "groupChat"]
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": published["version"],
        "id": bot_id,
        "developer": {
            "name": "Clueline",
            "websiteUrl": published["websiteUrl"],
            "privacyUrl": published["privacyUrl"],
            "termsOfUseUrl": published["termsOfUseUrl"],
        },
        "name": {"short": "Clueline", "full": "Clueline: customer voice, product answers and pulses"},
        "description": {
            "short": "Customer feedback highlights, product answers and anonymous pulse questions.",
            "full": (
                "Clueline brings the customer's voice into Teams: highlights of customer feedback in your "
                "channels, answers to product questions from your knowledge base, and anonymous pulse "
                "questions to the team."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": bot_id,
                "scopes": scopes,
                "isNotificationOnly": False,
                "supportsFiles": False,
                "commandLists": [
                    {
                        "scopes": scopes,
                        "commands": [{"title": title, "description": text} for title, text in COMMANDS],
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def write_package(app_id: str, out: Path, publisher: Publisher | None = None) -> Path:
    """Write the zip (manifest.json, color.png 192x192, outline.png 32x32) and return its path."""
    content = manifest(app_id, publisher)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(content, indent=2))
        package.writestr("color.png", color_icon())
        package.writestr("outline.png", outline_icon())
    return out


def color_icon(size: int = 192) -> bytes:
    """The full-colour icon: a white speech bubble on the accent colour."""
    background: Pixel = (*ACCENT, 255)
    white: Pixel = (255, 255, 255, 255)
    return png(size, size, lambda x, y: white if _bubble(x / size, y / size) else background)


def outline_icon(size: int = 32) -> bytes:
    """The outline icon: the same bubble in white on a transparent background, as Teams requires."""
    clear: Pixel = (255, 255, 255, 0)
    white: Pixel = (255, 255, 255, 255)
    return png(size, size, lambda x, y: white if _bubble((x + 0.5) / size, (y + 0.5) / size) else clear)


def _bubble(u: float, v: float) -> bool:
    """A speech bubble in the unit square: an ellipse and a tail at its lower left."""
    in_ellipse = ((u - 0.5) / 0.36) ** 2 + ((v - 0.45) / 0.28) ** 2 <= 1.0
    in_tail = 0.24 <= u <= 0.42 and 0.62 <= v <= 0.84 and (u - 0.24) >= (v - 0.62) * 0.8
    return in_ellipse or in_tail


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An RGBA PNG, written directly (filter 0 on every row)."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )
