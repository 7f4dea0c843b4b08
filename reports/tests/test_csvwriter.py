"""The one CSV writer: encoding, quoting, dates, formula injection, and what
LibreOffice makes of the file."""

import csv
import datetime
import io
import shutil
import subprocess
import zoneinfo

import pytest
from django.db.models import TextField

from config.exports import DATETIME, NUMBER, PHONE, TEXT
from reports.csvwriter import encode, format_phone, neutralise

NASTY = [
    '=HYPERLINK("http://evil.test","clic")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "\tTab",
    "\rCarriage",
    "\nNewline first",
    "a;b;c",
    'say "hi"',
    "line one\nline two",
    "Élodie Chloé Ørsted 😀👍",
    "",
]


def csv_bytes(header, rows, **kw) -> bytes:
    return b"".join(encode(header, rows, **kw))


def read(data: bytes, delimiter=";"):
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=delimiter))


def test_bom_semicolon_crlf_and_rfc4180_quoting():
    data = csv_bytes(["a", "b"], [["x;y", 'say "hi"'], ["multi\nline", "plain"]])
    assert data.startswith(b"\xef\xbb\xbfa;b\r\n")
    assert b'"x;y";"say ""hi"""\r\n' in data
    assert b'"multi\nline";plain\r\n' in data
    assert read(data) == [["a", "b"], ["x;y", 'say "hi"'], ["multi\nline", "plain"]]


def test_comma_delimiter_on_request_and_bad_delimiter_refused():
    data = csv_bytes(["a", "b"], [["1,5", "x"]], delimiter=",")
    assert read(data, ",") == [["a", "b"], ["1,5", "x"]]
    with pytest.raises(ValueError, match="delimiter"):
        csv_bytes(["a"], [], delimiter="|")


@pytest.mark.parametrize("value", [v for v in NASTY if v[:1] in "=+-@\t\r\n" and v])
def test_formula_starts_are_prefixed(value):
    (row,) = read(csv_bytes(["v"], [[value]]))[1:]
    assert row == ["'" + value]


def test_other_values_are_untouched_and_ints_stay_numbers():
    rows = read(csv_bytes(["t", "n"], [["a=b", -5], ["Élodie 😀", 0]], kinds=[TEXT, NUMBER]))
    assert rows[1:] == [["a=b", "-5"], ["Élodie 😀", "0"]]


def test_phones_are_written_without_a_leading_plus():
    assert format_phone("+33612345678") == "(+33) 6 12 34 56 78"
    assert format_phone("+33 6 12 34 56 78") == "(+33) 6 12 34 56 78"
    assert format_phone("+1 415 555 0100") == "(+1) 415 555 010 0"
    assert format_phone("+44 20 7946 0958") == "(+44) 207 946 095 8"
    assert format_phone("06 12 34 56 78") == "06 12 34 56 78"
    rows = read(csv_bytes(["p"], [["+33612345678"], ["-1"], [""]], kinds=[PHONE]))
    assert rows[1:] == [["(+33) 6 12 34 56 78"], ["'-1"], [""]]


def test_python_datetimes_get_the_offset_of_the_time_zone():
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    winter = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
    summer = datetime.datetime(2026, 7, 2, 8, 0, tzinfo=datetime.UTC)
    rows = read(csv_bytes(["d"], [[winter], [summer], [None]], kinds=[DATETIME], tz=paris))
    assert rows[1:] == [["2026-03-02T09:00:00+01:00"], ["2026-07-02T10:00:00+02:00"], [""]]


def test_header_is_neutralised_too():
    assert read(csv_bytes(["=1+1"], []))[0] == ["'=1+1"]
    assert neutralise("ok") == "ok"


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        pytest.skip("soffice/libreoffice (Debian libreoffice-calc) is not installed")
    return found


def convert(binary, profile, source, target_format, outdir, infilter=None):
    command = [binary, f"-env:UserInstallation=file://{profile}", "--headless"]
    if infilter:
        command.append(f"--infilter={infilter}")
    command += ["--convert-to", target_format, "--outdir", str(outdir), str(source)]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return outdir / (source.stem + "." + target_format.split(":")[0])


def test_libreoffice_opens_the_file_with_no_formula_and_every_value_intact(tmp_path):
    """CSV → xlsx as LibreOffice Calc imports it (standard cell detection, so a
    formula would be one), then xlsx → flat ODS to inspect the cells and back
    to CSV to compare the values."""
    binary = soffice()
    profile = tmp_path / "profile"
    values = [v for v in NASTY if v]
    source = tmp_path / "nasty.csv"
    source.write_bytes(csv_bytes(["n", "value"], [[i, v] for i, v in enumerate(values)]))
    xlsx = convert(binary, profile, source, "xlsx", tmp_path / "xlsx", infilter="CSV:59,34,76,1")
    fods = convert(binary, profile, xlsx, "fods", tmp_path / "fods")
    assert "table:formula" not in fods.read_text(encoding="utf-8")
    back = convert(binary, profile, xlsx, "csv:Text - txt - csv (StarCalc):59,34,76,1", tmp_path / "back")
    rows = list(csv.reader(io.StringIO(back.read_text(encoding="utf-8"), newline=""), delimiter=";"))
    read_back = {int(row[0]): row[1] for row in rows[1:] if row and row[0].isdigit()}
    for i, value in enumerate(values):
        expected = neutralise(value)
        # Calc keeps a line break inside a cell as LF, whether the file had
        # CR LF or a lone CR there: the same text, its own line-break convention.
        assert lines(read_back[i]) == lines(expected), value


def lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


PHONES = [
    "+33612345678",
    "+33 6 12 34 56 78",
    " +33 (0)6 12 34 56 78 ",
    "+1 415 555 0100",
    "+44 20 7946 0958",
    "+352 621 123 456",
    "+7 495 123-45-67",
    "06 12 34 56 78",
    "+33",
    "-1",
    "",
]


@pytest.mark.django_db
def test_the_sql_twins_apply_the_same_rules():
    """Dataset exports render phones and neutralise in SQL (config.exports):
    same output as the Python writer, value by value."""
    from django.db import connection
    from django.db.models import Value
    from django.db.models.functions import Cast

    from config.exports import Neutralised, PhoneText
    from tenancy.models import Organization

    Organization.objects.create(name="Any", slug="any")
    for value in NASTY + PHONES:
        row = (
            Organization.objects.annotate(
                safe=Neutralised(Cast(Value(value), output_field=TextField())),
                phone=PhoneText(Value(value)),
            )
            .values_list("safe", "phone")
            .first()
        )
        assert row[0] == neutralise(value), value
        assert row[1] == format_phone(value), value
    assert connection.vendor == "postgresql"
