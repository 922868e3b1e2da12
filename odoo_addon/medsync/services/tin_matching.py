"""IRS bulk TIN matching files (Publication 2108A), the standard library only.

The request file is plain text, one payee a line: ``TIN type;TIN;name;account
number`` (TIN type 1 EIN, 2 SSN, 3 unknown; the TIN as 9 digits; the name as
on the W-9, at most 40 characters of letters, digits, space, ``&`` and
``-``; the account number the payer's own reference, here the vendor's
reference or id). The result file the IRS returns repeats each line with the
result code appended: ``...;account number;code`` (0 match, 1 TIN missing
or not 9 digits, 2 not issued, 3 name and TIN do not match, 4 invalid
request, 5 duplicate request, 6-8 matched on SSN, EIN, both).
Tested without Odoo (tests/test_tin_matching.py)."""

import re

CODES = {"0", "1", "2", "3", "4", "5", "6", "7", "8"}
MATCHED = ("0", "6", "7", "8")
TIN_TYPES = {"ein": "1", "ssn": "2", "unknown": "3"}


class TinFileError(ValueError):
    def __init__(self, problems):
        self.problems = problems
        super().__init__("; ".join(f"line {line}: {msg}" for line, msg in problems[:20]))


def irs_name(name):
    """The name as the IRS takes it: letters, digits, space, & and -; 40 characters."""
    cleaned = re.sub(r"[^A-Za-z0-9&\- ]", "", (name or "").replace(",", " ").replace(".", " "))
    return re.sub(r"\s+", " ", cleaned).strip()[:40]


def request_file(payees):
    """``payees``: (tin type code, tin, name, account) tuples; returns the request text."""
    lines = []
    for kind, tin, name, account in payees:
        lines.append(f"{kind};{re.sub(r'[^0-9]', '', tin or '')};{irs_name(name)};{account}")
    return "\r\n".join(lines) + ("\r\n" if lines else "")


def parse_result(text):
    """``[(line, tin type, tin, name, account, code)]``; problems raise
    :class:`TinFileError` with their lines."""
    out, problems = [], []
    for no, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [p.strip() for p in raw.split(";")]
        if len(parts) != 5:
            problems.append((no, f"{len(parts)} fields, expected 5 (TIN type;TIN;name;account;result code)"))
            continue
        kind, tin, name, account, code = parts
        if code not in CODES:
            problems.append((no, f"result code {code!r} is not one of 0-8"))
            continue
        if not account:
            problems.append((no, "no account number: the line cannot be traced to a vendor"))
            continue
        out.append((no, kind, tin, name, account, code))
    seen = {}
    for no, _kind, _tin, _name, account, _code in out:
        if account in seen:
            problems.append((no, f"account {account} is already on line {seen[account]}"))
        seen.setdefault(account, no)
    if not out and not problems:
        problems.append((1, "the file holds no result line"))
    if problems:
        raise TinFileError(sorted(problems))
    return out


def digits(tin):
    """The 9 digits of a TIN as the IRS takes it, or '' when it has not 9."""
    d = re.sub(r"\D", "", tin or "")
    return d if len(d) == 9 else ""
