"""Reading a Markdown table as a viewer does: a `|` not behind a backslash ends a cell."""
from __future__ import annotations


def unescaped_pipes(line: str) -> int:
    count, backslashes = 0, 0
    for c in line:
        if c == "|" and backslashes % 2 == 0:
            count += 1
        backslashes = backslashes + 1 if c == "\\" else 0
    return count


def assert_markdown_tables(out: str) -> None:
    """Every table line has as many unescaped pipes as its header line."""
    header = None
    for line in out.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        if header is None:
            header = unescaped_pipes(line)
        assert unescaped_pipes(line) == header, (line, out)
