"""HTML pages: headings give the chunk path, block elements give the text."""

from __future__ import annotations

from knowledge.ingest.chunking import Section

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCKS = ("p", "li", "pre", "td", "th", "blockquote", "dd", "dt", "figcaption")


def load_html(raw: str, fallback_title: str) -> tuple[str, list[Section]]:
    """The page title and its sections."""
    # Imported here, like pypdf: only ingestion needs it, and it is slow to load.
    from bs4 import BeautifulSoup, Tag

    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(["script", "style", "nav", "noscript", "template"]):
        tag.decompose()
    title_tag = soup.find("title")
    title = title_tag.get_text(" ", strip=True) if isinstance(title_tag, Tag) else ""
    root = soup.body if isinstance(soup.body, Tag) else soup
    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    lines: list[str] = []

    def flush() -> None:
        if lines or path:
            sections.append(Section(tuple(h for _, h in path), "\n\n".join(lines)))
        lines.clear()

    for element in root.find_all([*_HEADINGS, *_BLOCKS]):
        if element.find_parent(_BLOCKS) is not None:
            continue
        text = element.get_text(" ", strip=True)
        if not text:
            continue
        if element.name in _HEADINGS:
            flush()
            level = int(element.name[1])
            if level == 1 and not title:
                title = text
                continue
            if level == 1 and text == title:
                continue
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, text))
        else:
            lines.append(text)
    flush()
    if not sections and root.get_text(strip=True):
        sections.append(Section((), root.get_text("\n", strip=True)))
    return title or fallback_title, sections
