"""Reads domain documents (Markdown, plain text, PDF, HTML) into titled sections."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ava_core.errors import KnowledgeError

MARKDOWN = {".md", ".markdown"}
TEXT = {".txt", ".text"}
PDF = {".pdf"}
HTML = {".html", ".htm"}
DOCUMENT_SUFFIXES = MARKDOWN | TEXT | PDF | HTML

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass
class Section:
    """The text under one heading; ``path`` is the headings above it, outermost first."""

    path: list[str]
    text: str


@dataclass
class Document:
    source: str
    title: str
    sections: list[Section] = field(default_factory=list)


def read_document(path: Path, source: str) -> Document:
    """Read one document file; the reader is chosen by its suffix."""
    suffix = path.suffix.lower()
    try:
        if suffix in MARKDOWN:
            return parse_markdown(path.read_text(encoding="utf-8"), source, fallback_title=_title_of(path))
        if suffix in TEXT:
            return _plain_text(path.read_text(encoding="utf-8"), source, _title_of(path))
        if suffix in PDF:
            return _pdf(path, source)
        if suffix in HTML:
            return _html(path.read_text(encoding="utf-8", errors="replace"), source, _title_of(path))
    except UnicodeDecodeError:
        raise KnowledgeError(f"{source}: not UTF-8 text; save it as UTF-8 and ingest again") from None
    except OSError as exc:
        raise KnowledgeError(f"{source}: cannot read: {exc.strerror or exc}") from None
    raise KnowledgeError(
        f"{source}: cannot ingest {suffix or 'files without a suffix'}; "
        "use Markdown, text, PDF, HTML, or an objections .yaml/.csv"
    )


def parse_markdown(text: str, source: str, *, fallback_title: str) -> Document:
    """Split Markdown at its headings; the first level-1 heading is the document's title."""
    text, front_title = _strip_front_matter(text)
    title = front_title or ""
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []  # (level, heading) of the headings above the current line
    lines: list[str] = []
    in_fence = False

    def close() -> None:
        body = "\n".join(lines).strip()
        if body:
            sections.append(Section(path=[h for _, h in stack], text=body))
        lines.clear()

    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if not match:
            lines.append(line)
            continue
        close()
        level, heading = len(match.group(1)), _inline(match.group(2))
        if level == 1 and not title:
            title = heading
            continue
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, heading))
    close()
    return Document(source=source, title=title or fallback_title, sections=sections)


def _plain_text(text: str, source: str, title: str) -> Document:
    body = text.strip()
    return Document(source=source, title=title, sections=[Section(path=[], text=body)] if body else [])


def _pdf(path: Path, source: str) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise KnowledgeError(f"{source}: the PDF is encrypted; save an unprotected copy and ingest that")
        title = ((reader.metadata.title if reader.metadata else None) or "").strip() or _title_of(path)
        sections = []
        for number, page in enumerate(reader.pages, start=1):
            page_text = _tidy(page.extract_text() or "")
            if page_text:
                sections.append(Section(path=[f"page {number}"], text=page_text))
    except PdfReadError as exc:
        raise KnowledgeError(f"{source}: not a readable PDF ({exc})") from None
    if not sections:
        raise KnowledgeError(f"{source}: the PDF has no text layer (scanned?); run OCR on it first")
    return Document(source=source, title=title, sections=sections)


def _html(markup: str, source: str, fallback_title: str) -> Document:
    """HTML becomes Markdown-like text (headings kept, chrome dropped), then splits like Markdown."""
    from bs4 import BeautifulSoup, NavigableString

    soup = BeautifulSoup(markup, "html.parser")
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(["script", "style", "noscript", "template", "nav", "footer", "aside", "form", "head"]):
        tag.decompose()
    for heading in soup.find_all(re.compile(r"^h[1-6]$")):
        level = int(heading.name[1])
        heading.replace_with(NavigableString(f"\n\n{'#' * level} {heading.get_text(' ', strip=True)}\n\n"))
    for block in soup.find_all(["p", "li", "tr", "div", "section", "article", "blockquote", "pre", "dd", "dt"]):
        block.insert_after(NavigableString("\n\n"))
    for br in soup.find_all("br"):
        br.replace_with(NavigableString("\n"))
    text = "\n".join(" ".join(line.split()) for line in soup.get_text().splitlines())
    return parse_markdown(text, source, fallback_title=page_title or fallback_title)


def _strip_front_matter(text: str) -> tuple[str, str | None]:
    if not text.startswith("---\n"):
        return text, None
    end = text.find("\n---", 4)
    if end < 0:
        return text, None
    front = text[4:end]
    match = re.search(r"^title:\s*[\"']?(.+?)[\"']?\s*$", front, re.MULTILINE)
    return text[end + 4:].lstrip("\n"), (match.group(1) if match else None)


def _inline(text: str) -> str:
    """Heading text without Markdown emphasis, code ticks or link targets."""
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[*_`]+", "", text).strip()


def _tidy(text: str) -> str:
    paragraphs = re.split(r"\n\s*\n", text)
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def _title_of(path: Path) -> str:
    return re.sub(r"[-_]+", " ", path.stem).strip().capitalize() or path.name
