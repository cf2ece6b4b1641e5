"""What an HTML page loads from the network when it is opened (not the links it offers): the
`src` of scripts, images, frames and media, the `href` of <link> (stylesheets, icons, preloads),
an <object>'s `data`, and every url() or @import of its CSS (<style> blocks and style
attributes) whose target is http(s) or protocol-relative (`//host/...`). Used by the tests that
prove the local run's report opens offline (issue 23). And what a page's scripts need that the
page does not ship (`unshipped_scripts`): a <script src> that is no file beside it, an inline
script or on* handler calling a library (jQuery, Bootstrap, bootstrap-table, Vega) that no
shipped script of the page defines, which a browser reports as an error in the console."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

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


# the globals GX Data Docs' own scripts call, each defined only by a library loaded from a CDN
LIBRARY_CALL = re.compile(r"(?<![\w.$])(\$|jQuery|vegaEmbed|vega|vl|bootstrap|Popper)\s*[(.`]")


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sources: list[str] = []
        self.inline: list[str] = []
        self.handlers: list[str] = []
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.handlers += [v for k, v in attrs if k.startswith("on") and v]
        if tag == "script":
            src = found.get("src")
            self.sources += [src] if src else []
            self._script = None if src else []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.inline.append("".join(self._script))
        self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)


def unshipped_scripts(page: Path) -> list[str]:
    """What `page`'s scripts need that is not shipped with it: script files that are remote or
    missing, library calls no shipped script defines, handlers calling undefined functions."""
    parser = _Scripts()
    parser.feed(page.read_text(encoding="utf-8"))
    files = {src: page.parent / src.split("?")[0] for src in parser.sources if not REMOTE.match(src)}
    missing = [f"script {src}" for src in parser.sources if src not in files or not files[src].is_file()]
    shipped = "\n".join([*(f.read_text(encoding="utf-8") for f in files.values() if f.is_file()), *parser.inline])
    defined = set(re.findall(r"\b(?:function|var|let|const)\s+([\w$]+)", shipped))
    calls = {m for code in parser.inline + parser.handlers for m in LIBRARY_CALL.findall(code)}
    missing += [f"a call of {name} (no shipped script defines it)" for name in sorted(calls - defined)]
    handlers = {m for code in parser.handlers for m in re.findall(r"^\s*([\w$]+)\s*\(", code)}
    missing += [f"a handler calling {name}()" for name in sorted(handlers - defined)]
    return missing
