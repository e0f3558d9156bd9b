""".dag text → the same spec in canonical layout, comments kept (the `dagspec fmt` formatter)."""

from __future__ import annotations

from .parse import parse_text
from .printer import statement_text
from .source import without_bom


def comments_by_line(text: str) -> dict[int, str]:
    """Each line's `# comment` (outside double-quoted strings), keyed by 1-based line number."""
    found = {}
    for number, line in enumerate(text.split("\n"), 1):
        in_string = escaped = False
        for i, char in enumerate(line):
            if escaped:  # the character after a backslash in a string: `\"` does not end it
                escaped = False
            elif in_string and char == "\\":
                escaped = True
            elif char == '"':
                in_string = not in_string
            elif char == "#" and not in_string:
                found[number] = line[i:].rstrip()
                break
    return found


def format_text(text: str, name: str = "<string>") -> str:
    """One statement per line in canonical spelling; comments stay beside or above their statements, and
    runs of blank lines become one. Raises DagspecError on bad syntax."""
    text = without_bom(text)
    spec = parse_text(text, name)
    comments = comments_by_line(text)
    lines = text.split("\n")
    out: list[str] = []
    blank = False

    def copy_gap(numbers) -> None:
        """Comment lines and blank lines between statements."""
        nonlocal blank
        for number in numbers:
            line = lines[number - 1].strip()
            if not line:
                blank = True
            elif line.startswith("#"):
                emit(comments[number])

    def emit(line: str) -> None:
        nonlocal blank
        if blank and out:
            out.append("")
        blank = False
        out.append(line)

    previous_end = 0
    for index, statement in enumerate(spec.statements):
        start, end = statement.span.line, statement.span.end_line
        copy_gap(range(previous_end + 1, start))
        line = statement_text(statement)
        last_on_its_line = index + 1 == len(spec.statements) or spec.statements[index + 1].span.line != end
        if last_on_its_line and end in comments and not lines[end - 1].lstrip().startswith("#"):
            line += f"  {comments[end]}"
        emit(line)
        previous_end = max(previous_end, end)
    copy_gap(range(previous_end + 1, len(lines) + 1))
    return "\n".join(out) + "\n"
