"""Plain-Python reference of ``medsync_core.copy_text``: rows in PostgreSQL's
COPY text format (tab-separated fields, ``\\N`` for NULL, backslash, tab,
newline and carriage return escaped in text), each row followed by a suffix."""

import math

_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


def number(value):
    if value is None or value is False:
        return NULL
    if value is True:
        raise ValueError("a boolean is not a number")
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.translate(_ESCAPE)
    raise ValueError(f"expected a number, got {type(value).__name__}")


def boolean(value):
    return NULL if value is None else ("t" if value else "f")


def text(value):
    return NULL if value is None or value is False else str(value).translate(_ESCAPE)


FORMAT = {"number": number, "bool": boolean, "text": text}


def copy_text(names, kinds, columns, suffix=""):
    cols = [[FORMAT[k](v) for v in col] for k, col in zip(kinds, columns, strict=True)]
    return "".join("\t".join(row) + suffix + "\n" for row in zip(*cols, strict=True))


def parse(data, kinds):
    """COPY text back to values (floats as floats, so that '1e+16' and '1e16' agree)."""
    rows = []
    for line in data.split("\n")[:-1]:
        row = []
        for kind, field in zip(kinds, line.split("\t"), strict=False):
            if field == NULL:
                row.append(None)
            elif kind == "number":
                row.append(field if not _is_float(field) else float(field))
            else:
                row.append(_unescape(field))
        row.extend(line.split("\t")[len(kinds):])
        rows.append(row)
    return rows


def _is_float(field):
    try:
        float(field)
    except ValueError:
        return False
    return True


def _unescape(field):
    out, i = [], 0
    while i < len(field):
        c = field[i]
        if c == "\\" and i + 1 < len(field):
            out.append({"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}[field[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)
