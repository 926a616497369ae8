"""A web page's readable text: the main content, without scripts, menus, footers or ads.

trafilatura does the extraction: it is maintained, installs from PyPI as pure Python over
lxml, finds the main content (readability-lxml returns HTML that would still need cleaning,
and BeautifulSoup alone cannot tell an article from its navigation), and reads the title
and publication date, which matter when the question is whether a fact is still current.
"""

from __future__ import annotations

import trafilatura


def readable(html: bytes | str, url: str) -> tuple[str | None, str]:
    """(title, main text) of an HTML page; all visible text when no main content is found."""
    text = trafilatura.extract(html, url=url, include_comments=False, include_tables=True,
                               include_links=False, deduplicate=True)
    if not text:
        text = trafilatura.html2txt(html) or ""
    metadata = trafilatura.extract_metadata(html, default_url=url)
    title = metadata.title if metadata else None
    if metadata and metadata.date:
        text = f"(published or updated {metadata.date})\n{text}"
    return title, text.strip()
