"""What an HTML page loads from the network when it is opened (not the links it offers): the
`src` of scripts, images, frames and media, the `href` of <link> (stylesheets, icons, preloads),
an <object>'s `data`, and every url() or @import of its CSS (<style> blocks and style
attributes) whose target is http(s) or protocol-relative (`//host/...`). Used by the tests that
prove the local run's report opens offline (issue 23)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

REMOTE = re.compile(r"^\s*(?:https?:)?//", re.I)
CSS_URLS = re.compile(r"""url\(\s*['"]?([^'")]*)|@import\s+['"]([^'"]*)""", re.I)
LOADED_BY = {"src": {"script", "img", "iframe", "frame", "embed", "source", "audio", "video", "track", "input"},
             "href": {"link"}, "data": {"object"}, "poster": {"video"}, "srcset": {"img", "source"}}  # fmt: skip


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value and tag in LOADED_BY.get(key, set()):
                srcset = [part.split()[0] for part in value.split(",") if part.strip()]
                self.urls += srcset if key == "srcset" else [value]
            if value and key == "style":
                self.urls += css_urls(value)
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls += css_urls(data)


def css_urls(css: str) -> list[str]:
    return [a or b for a, b in CSS_URLS.findall(css)]


def remote_assets(page: str) -> list[str]:
    """Every http(s) or protocol-relative URL the page would load."""
    parser = _Assets()
    parser.feed(page)
    return [u for u in parser.urls if REMOTE.match(u)]
