"""The one CSV writer of Vestibule: every export, preview download, scheduled
file and streamed small export goes through `encode()`.

What it writes:
- UTF-8 with a byte-order mark, `;` between fields by default (what French Excel
  opens correctly, since `,` is the French decimal separator); `,` on request.
- RFC 4180: CRLF line ends, fields quoted when they hold the delimiter, a quote,
  CR or LF, quotes doubled inside.
- Dates as ISO 8601 with the offset of the site's time zone at that instant
  (2026-03-02T09:15:00+01:00). The database renders them (config.exports.Iso8601)
  so that a million rows cost no Python date arithmetic; a datetime that reaches
  the writer anyway is rendered the same way here.
- Formula injection neutralised: a text cell starting with `=`, `+`, `-`, `@`,
  tab, CR or LF gets a leading `'`, so Excel and LibreOffice show it as text
  instead of evaluating `=HYPERLINK(...)` or `+cmd|' /C calc'!A0`.

The trade-off, and what we do about phone numbers: the `'` is visible in the
cell when a spreadsheet opens the CSV, and a program reading the file sees it
too. That is a fair price for a name or a note that happens to start with `-`,
but phone numbers are stored in international form (`+33 6 12 34 56 78`) and
would all carry it. So phone columns are written as `(+33) 6 12 34 56 78`: the
country code in parentheses, nothing to neutralise, still dialable by a person,
and not a number either spreadsheet would turn into 33612345678. Numbers that do
not start with `+` are written as entered (neutralised if they start with `-`).
Numeric columns (ids, counts) are Python ints and never prefixed, so a negative
count stays a number.

Where the rules run: for dataset exports the database applies them while it
renders each row (config.exports: `Iso8601`, `PhoneText`, `Neutralised`, SQL
twins of `iso`, `format_phone` and `neutralise` here, kept in step by a test),
and such columns reach this writer as RENDERED text it passes through. That is
what keeps a million-row export near the speed of COPY; values that did not come
through that SQL (tests, transforms, other callers) get the same rules here.
When every cell is rendered that way, a stored export goes one step further:
PostgreSQL writes the records too (reports.streaming.copy_records, the same
quoting as this module's csv writer) and `encode_records()` adds the byte-order
mark and the header; a test checks both ways give the same bytes.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator

from config.exports import DATETIME, NUMBER, PHONE, RENDERED, TEXT

BOM = "\ufeff"
DELIMITERS = {";": ";", ",": ","}
DANGEROUS = frozenset("=+-@\t\r\n")

# ITU country codes: 1 and 7 are one digit; these two-digit ones; the rest three.
_TWO_DIGIT = {
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47",
    "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65",
    "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
}  # fmt: skip
_PHONE = re.compile(r"^\+[\d\s().\-/]{4,}$")
_NON_DIGIT = re.compile(r"\D")


def neutralise(value: str) -> str:
    """A text cell a spreadsheet must not evaluate."""
    return "'" + value if value[:1] in DANGEROUS else value


def format_phone(value: str) -> str:
    """`+33612345678` or `+33 6 12 34 56 78` → `(+33) 6 12 34 56 78`; anything
    else unchanged (the writer neutralises it if needed)."""
    value = (value or "").strip()
    if value[:1] != "+" or not _PHONE.match(value):
        return value
    digits = _NON_DIGIT.sub("", value)
    if digits[:1] in ("1", "7"):
        code_length = 1
    elif digits[:2] in _TWO_DIGIT:
        code_length = 2
    else:
        code_length = 3
    code, rest = digits[:code_length], digits[code_length:]
    if code == "33" and len(rest) == 9:
        return f"(+33) {rest[0]} {rest[1:3]} {rest[3:5]} {rest[5:7]} {rest[7:9]}"
    return f"(+{code}) " + " ".join([rest[i : i + 3] for i in range(0, len(rest), 3)])


def iso(moment: datetime.datetime, tz=None) -> str:
    if moment.tzinfo is not None and tz is not None:
        moment = moment.astimezone(tz)
    return moment.isoformat(timespec="seconds")


def _cell(value, tz):
    """Slow path for values that are not plain text (rare: ids are ints and the
    database already rendered the dates)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime.datetime):
        return iso(value, tz)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return neutralise(", ".join(str(v) for v in value))
    return neutralise(str(value))


def _row_cleaner(kinds: list[str] | None, tz, transforms=None):
    """A function turning one database row into CSV cells.

    Hot path (a million rows in the benchmark), so it does as little as it can:
    numbers and dates rendered by the database cannot start a formula and pass
    untouched (the csv module writes None as an empty cell); only text columns
    are looked at, and a row is copied only when one of its cells must change."""
    kinds = list(kinds or [])
    count = max(len(kinds), len(transforms or []))
    kinds += [TEXT] * (count - len(kinds))
    steps = [(i, f) for i, f in enumerate(transforms or []) if f is not None]
    special = {i for i, _f in steps} | {i for i, kind in enumerate(kinds) if kind == PHONE}
    typed = [i for i, kind in enumerate(kinds) if kind in (NUMBER, DATETIME) and i not in special]
    if kinds and all(kind in (RENDERED, NUMBER) for kind in kinds) and not special:
        return None  # the database rendered every cell: rows go to the csv module as they are
    phones = [i for i, kind in enumerate(kinds) if kind == PHONE]
    dangerous, str_, plain = DANGEROUS, str, (int, str, type(None))

    def clean(row):
        if not kinds:  # no column types given: every cell is checked
            return [
                ("'" + v if v[:1] in dangerous else v) if v.__class__ is str_ else _cell(v, tz) for v in row
            ]
        out = None
        for i in text:
            v = row[i]
            if v.__class__ is str_:
                if v and v[0] in dangerous:
                    out = out or list(row)
                    out[i] = "'" + v
            elif v is not None:
                out = out or list(row)
                out[i] = _cell(v, tz)
        for i in typed:
            if row[i].__class__ not in plain:  # a datetime or bool given by Python
                out = out or list(row)
                out[i] = _cell(row[i], tz)
        if special:
            out = out or list(row)
            for i, step in steps:
                if row[i]:
                    out[i] = neutralise(str(step(row[i])))
            for i in phones:
                if row[i]:
                    out[i] = neutralise(format_phone(str(row[i])))
        return row if out is None else out

    text = [i for i, kind in enumerate(kinds) if kind == TEXT and i not in special]
    return clean


def _writer(buffer, header, delimiter, bom):
    """A csv writer on `buffer` that has written the byte-order mark and header."""
    if delimiter not in DELIMITERS:
        raise ValueError(f"unsupported delimiter {delimiter!r}")
    writer = csv.writer(buffer, delimiter=delimiter, quotechar='"', lineterminator="\r\n")
    if bom:
        buffer.write(BOM)
    writer.writerow([neutralise(str(h)) for h in header])
    return writer


def encode_records(
    header: list[str],
    records: Iterable[tuple[int, bytes]],
    *,
    delimiter: str = ";",
    bom: bool = True,
    progress=None,
) -> Iterator[bytes]:
    """What `encode` gives, when the records are already CSV bytes: `records`
    yields (row count, bytes) chunks (reports.streaming.copy_records), passed
    through after the byte-order mark and the header. `progress(rows_done)` is
    called after each chunk, and once for an empty file."""
    buffer = io.StringIO()
    _writer(buffer, header, delimiter, bom)
    yield buffer.getvalue().encode()
    done = 0
    for count, chunk in records:
        done += count
        yield chunk
        if progress is not None:
            progress(done)
    if progress is not None and not done:
        progress(0)


def encode(
    header: list[str],
    rows: Iterable,
    *,
    delimiter: str = ";",
    kinds: list[str] | None = None,
    tz=None,
    bom: bool = True,
    chunk_rows: int = 2000,
    progress=None,
    transforms=None,
) -> Iterator[bytes]:
    """The CSV as UTF-8 byte chunks of about `chunk_rows` rows each, so that a
    file, an HTTP stream or a hash can consume it in constant memory.
    `progress(rows_done)` is called after each chunk."""
    buffer = io.StringIO()
    writer = _writer(buffer, header, delimiter, bom)
    clean = _row_cleaner(kinds, tz, transforms)
    done = 0
    batch = []
    append = batch.append
    for row in rows:
        append(row if clean is None else clean(row))
        if len(batch) >= chunk_rows:
            writer.writerows(batch)
            done += len(batch)
            batch.clear()
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            if progress is not None:
                progress(done)
    writer.writerows(batch)
    done += len(batch)
    yield buffer.getvalue().encode()
    if progress is not None:
        progress(done)
