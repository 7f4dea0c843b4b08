"""The exact bytes of a stored export, whichever way they are written.

A stored export of the visits dataset has every cell rendered by SQL and its
records written by PostgreSQL's COPY (reports.streaming.copy_records); other
exports go through the Python writer (csvwriter.encode). These tests pin the
bytes for values that trip writers up (offsets across DST in four time zones,
NULL and empty cells, formula starts, ; " , CR LF inside a cell, emojis, a
lone backslash-dot), and check that both ways give the same file."""

import csv
import datetime
import hashlib
import io
import time

import pytest
from django.core.cache import cache

from config.exports import get_dataset
from reports import services, streaming
from reports.csvwriter import iso
from reports.filters import select

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
ALL_COLUMNS = [c.key for c in get_dataset("visits").columns]


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.fixture
def tricky(orgs, visits, scoped):
    """Five visits at four sites in four time zones, with awkward values;
    `visits` gives org A its long consultation period (they are months old)."""
    from sites.models import Desk, Site
    from visitors.models import Visit
    from visitors.tests.factories import make_visit, make_visit_type, make_visitor

    a = orgs.a
    with scoped(a.org):
        paris = Site.objects.create(organization=a.org, name='Siège "Nord"; bât. B', timezone="Europe/Paris")
        toronto = Site.objects.create(organization=a.org, name="Toronto", timezone="America/Toronto")
        st_johns = Site.objects.create(organization=a.org, name="St. John's", timezone="America/St_Johns")
        kolkata = Site.objects.create(organization=a.org, name="Kolkata", timezone="Asia/Kolkata")
        paris_desk = Desk.objects.create(organization=a.org, site=paris, name="=Accueil")
        toronto_desk = Desk.objects.create(organization=a.org, site=toronto, name="Front desk")
        kind = make_visit_type(a, name_fr="Réunion, étage 2", name_en="Meeting")
        zoe = make_visitor(
            a,
            first_name="Zoë 😀",
            last_name="O'Brien",
            company='Acme; "Global"',
            email="zoe@example.test",
            phone="+33612345678",
        )
        formula = make_visitor(
            a, first_name='=HYPERLINK("http://x")', last_name="-2+3", company="", email="", phone=""
        )
        control = make_visitor(
            a,
            first_name="@SUM(1)",
            last_name="\tTab",
            company="line one\r\nline two",
            email="+x@example.test",
            phone="-1",
        )
        backslash = make_visitor(
            a, first_name="\\.", last_name='"', company="a,b", email="b@example.test", phone="+1 416 555 0199"
        )
        host = a.members["host"]
        rows = [
            # Paris, spring forward (2026-03-29 01:00 UTC): +01:00 then +02:00;
            # microseconds are cut, not rounded.
            make_visit(
                a,
                site=paris,
                desk=paris_desk,
                visitor=zoe,
                host=host,
                visit_type=kind,
                status="departed",
                expected_at=utc(2026, 3, 29, 0, 30),
                expected_until=utc(2026, 3, 29, 1, 30),
                arrived_at=utc(2026, 3, 29, 0, 35, 7, 999999),
                arrived_desk=paris_desk,
                departed_at=utc(2026, 3, 29, 1, 45),
                departure_automatic=True,
                badge_number=42,
                notes='Line 1\nLine 2; "quoted"',
            ),
            # Paris, fall back: the same 02:30 twice, told apart by the offset.
            # No desk, no host, no arrival: empty cells; empty texts: empty cells.
            make_visit(
                a,
                site=paris,
                visitor=formula,
                host=None,
                visit_type=kind,
                status="expected",
                expected_at=utc(2026, 10, 25, 0, 30),
                expected_until=utc(2026, 10, 25, 1, 30),
                cancellation_reason="=1+1",
            ),
            # Toronto, spring forward (2026-03-08 07:00 UTC): -05:00 then -04:00.
            make_visit(
                a,
                site=toronto,
                desk=toronto_desk,
                visitor=control,
                host=host,
                visit_type=kind,
                status="arrived",
                expected_at=utc(2026, 3, 8, 6, 30),
                expected_until=utc(2026, 3, 8, 7, 30),
                arrived_at=utc(2026, 3, 8, 7, 30),
                arrived_desk=toronto_desk,
                badge_number=7,
                notes="\r",
            ),
            # St. John's, half-hour offsets either side of its switch (05:30 UTC).
            make_visit(
                a,
                site=st_johns,
                visitor=backslash,
                host=host,
                visit_type=kind,
                status="no_show",
                expected_at=utc(2026, 3, 8, 5, 0),
                expected_until=utc(2026, 3, 8, 6, 0),
                notes="😀🎉 émoji",
            ),
            make_visit(
                a,
                site=kolkata,
                visitor=zoe,
                host=host,
                visit_type=kind,
                status="cancelled",
                expected_at=utc(2026, 3, 15, 12, 0),
                expected_until=utc(2026, 3, 15, 12, 0, 59),
                cancellation_reason='Plus d\'accès; "ok"',
            ),
        ]
        created = [utc(2026, 3, 28, 23), utc(2026, 10, 24, 10), utc(2026, 3, 1, 12), utc(2026, 3, 1, 12)]
        for visit, moment in zip(rows, [*created, utc(2026, 3, 14, 18, 29, 59)], strict=True):
            Visit.objects.filter(pk=visit.pk).update(created_at=moment)
    return {"rows": rows, "sites": [paris.pk, toronto.pk, st_johns.pk, kolkata.pk]}


def export(orgs, scoped, tricky, columns=ALL_COLUMNS, delimiter=";") -> bytes:
    """One stored export of the tricky visits, run as the worker runs it."""
    with scoped(orgs.a.org):
        job = services.create_export(
            membership=orgs.a.members["admin"],
            dataset="visits",
            filters={"sites": tricky["sites"]},
            columns=columns,
            delimiter=delimiter,
        )
    assert services.run_export(organization_id=orgs.a.org.pk, job_id=job.pk) is True
    with scoped(orgs.a.org):
        job.refresh_from_db()
        data = stored(job)
    assert job.sha256 == hashlib.sha256(data).hexdigest() and job.size == len(data)
    assert job.rows_done == job.rows_total
    return data


def stored(job) -> bytes:
    with services.export_storage().open(job.storage_key) as file:
        return file.read()


@pytest.fixture
def ways(monkeypatch):
    """Gets "copy" each time an export's records are written by PostgreSQL's COPY
    (empty: the Python writer wrote them)."""
    used = []
    real = streaming.copy_records

    def spy(*args, **kwargs):
        used.append("copy")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "copy_records", spy)
    return used


def python_only(monkeypatch):
    monkeypatch.setattr(services, "copy_values", lambda selection: None)


def test_the_visits_export_pins_every_tricky_value(orgs, scoped, tricky, store, ways):
    data = export(orgs, scoped, tricky)
    assert ways == ["copy"]
    v = [visit.pk for visit in tricky["rows"]]
    host = orgs.a.members["host"].user.full_name
    header = (
        "Identifiant de la visite;Site;Guichet;Prénom du visiteur;Nom du visiteur;Société;"
        "E-mail du visiteur;Téléphone du visiteur;Hôte;Type de visite;État;Arrivée prévue;"
        "Départ prévu;Arrivée;Guichet d'arrivée;Sortie;Sortie automatique;Numéro de badge;"
        "Motif d'annulation;Notes;Pré-enregistrée le"
    )
    expected = [
        f'{v[0]};"Siège ""Nord""; bât. B";\'=Accueil;Zoë 😀;O\'Brien;"Acme; ""Global""";zoe@example.test;'
        f"(+33) 6 12 34 56 78;{host};Réunion, étage 2;Parti;2026-03-29T01:30:00+01:00;"
        f"2026-03-29T03:30:00+02:00;2026-03-29T01:35:07+01:00;'=Accueil;2026-03-29T03:45:00+02:00;true;42;;"
        '"Line 1\nLine 2; ""quoted""";2026-03-29T00:00:00+01:00',
        f'{v[1]};"Siège ""Nord""; bât. B";;"\'=HYPERLINK(""http://x"")";\'-2+3;;;;;Réunion, étage 2;Attendu;'
        "2026-10-25T02:30:00+02:00;2026-10-25T02:30:00+01:00;;;;false;;'=1+1;;2026-10-24T12:00:00+02:00",
        f"{v[2]};Toronto;Front desk;'@SUM(1);'\tTab;\"line one\r\nline two\";'+x@example.test;'-1;{host};"
        "Réunion, étage 2;Sur site;2026-03-08T01:30:00-05:00;2026-03-08T03:30:00-04:00;"
        '2026-03-08T03:30:00-04:00;Front desk;;false;7;;"\'\r";2026-03-01T07:00:00-05:00',
        f'{v[3]};St. John\'s;;\\.;"""";a,b;b@example.test;(+1) 416 555 019 9;{host};Réunion, étage 2;'
        "Absent;2026-03-08T01:30:00-03:30;2026-03-08T03:30:00-02:30;;;;false;;;😀🎉 émoji;"
        "2026-03-01T08:30:00-03:30",
        f'{v[4]};Kolkata;;Zoë 😀;O\'Brien;"Acme; ""Global""";zoe@example.test;(+33) 6 12 34 56 78;{host};'
        "Réunion, étage 2;Annulée;2026-03-15T17:30:00+05:30;2026-03-15T17:30:59+05:30;;;;false;;"
        '"Plus d\'accès; ""ok""";;2026-03-14T23:59:59+05:30',
    ]
    assert data == ("\ufeff" + "\r\n".join([header, *expected]) + "\r\n").encode()


def test_the_sql_offsets_are_those_python_computes():
    """The pinned offsets above, checked against zoneinfo (csvwriter.iso)."""
    import zoneinfo

    cases = [
        ("Europe/Paris", utc(2026, 3, 29, 0, 30), "2026-03-29T01:30:00+01:00"),
        ("Europe/Paris", utc(2026, 3, 29, 1, 30), "2026-03-29T03:30:00+02:00"),
        ("Europe/Paris", utc(2026, 10, 25, 0, 30), "2026-10-25T02:30:00+02:00"),
        ("Europe/Paris", utc(2026, 10, 25, 1, 30), "2026-10-25T02:30:00+01:00"),
        ("America/Toronto", utc(2026, 3, 8, 6, 30), "2026-03-08T01:30:00-05:00"),
        ("America/Toronto", utc(2026, 3, 8, 7, 30), "2026-03-08T03:30:00-04:00"),
        ("America/St_Johns", utc(2026, 3, 8, 5, 0), "2026-03-08T01:30:00-03:30"),
        ("America/St_Johns", utc(2026, 3, 8, 6, 0), "2026-03-08T03:30:00-02:30"),
        ("Asia/Kolkata", utc(2026, 3, 14, 18, 29, 59), "2026-03-14T23:59:59+05:30"),
    ]
    for zone, moment, text in cases:
        assert iso(moment, zoneinfo.ZoneInfo(zone)) == text, (zone, moment)


@pytest.mark.parametrize("delimiter", [";", ","])
def test_copy_and_the_python_writer_write_the_same_bytes(
    orgs, scoped, tricky, store, ways, monkeypatch, delimiter
):
    by_copy = export(orgs, scoped, tricky, delimiter=delimiter)
    python_only(monkeypatch)
    by_python = export(orgs, scoped, tricky, delimiter=delimiter)
    assert ways == ["copy"]
    assert by_copy == by_python
    if delimiter == ",":
        assert b'"a,b"' in by_copy and b'"R\xc3\xa9union, \xc3\xa9tage 2"' in by_copy


def test_copy_keeps_the_order_over_several_chunks(orgs, scoped, tricky, store, ways, monkeypatch):
    monkeypatch.setattr(services, "CHUNK_ROWS", 2)
    seen = []
    with scoped(orgs.a.org):
        job = services.create_export(
            membership=orgs.a.members["admin"],
            dataset="visits",
            filters={"sites": tricky["sites"]},
            columns=["id", "site"],
        )
    services.run_export(organization_id=orgs.a.org.pk, job_id=job.pk, on_chunk=seen.append)
    with scoped(orgs.a.org):
        job.refresh_from_db()
        data = stored(job)
    assert ways == ["copy"] and seen == [2, 4, 5]
    ids = [int(line.split(b";")[0]) for line in data.split(b"\r\n")[1:-1]]
    assert ids == sorted(v.pk for v in tricky["rows"])


def test_what_copy_would_write_differently_goes_through_python(orgs, tricky, scoped):
    """One column (COPY writes an empty row as nothing and quotes a lone \\.,
    Python writes ""), and columns Python transforms (masked recipients)."""
    admin = orgs.a.members["admin"]
    with scoped(orgs.a.org):
        assert streaming.copy_values(select("visits", admin, {}, ["id", "site"])) is not None
        assert streaming.copy_values(select("visits", admin, {}, ["notes"])) is None
        if get_dataset("messages") is not None:
            assert streaming.copy_values(select("messages", admin, {}, ["id", "recipient"])) is None


def test_a_single_column_export_is_still_written_as_python_writes_it(orgs, scoped, tricky, store, ways):
    data = export(orgs, scoped, tricky, columns=["notes"])
    assert ways == []
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "Notes" and '""' in lines  # an empty note is "" when alone on its row


def test_a_failure_while_writing_stops_the_copy_and_the_retry_writes_the_file(
    orgs, scoped, tricky, store, monkeypatch
):
    monkeypatch.setattr(services, "CHUNK_ROWS", 2)
    with scoped(orgs.a.org):
        job = services.create_export(
            membership=orgs.a.members["admin"], dataset="visits", filters={"sites": tricky["sites"]}
        )

    def disk_full(count):
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        services.run_export(organization_id=orgs.a.org.pk, job_id=job.pk, on_chunk=disk_full)
    # The connection is usable again (the COPY was cancelled before the
    # rollback): the failure was recorded, and the retry completes.
    with scoped(orgs.a.org):
        job.refresh_from_db()
    assert job.status == "queued" and "disk full" in job.error
    assert services.run_export(organization_id=orgs.a.org.pk, job_id=job.pk) is True
    with scoped(orgs.a.org):
        job.refresh_from_db()
        data = stored(job)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert job.rows_done == 5 and [int(row[0]) for row in rows[1:]] == [v.pk for v in tricky["rows"]]


def test_the_heartbeat_goes_on_while_postgresql_sorts(orgs, scoped, tricky, store, monkeypatch):
    """COPY sends nothing until the rows are sorted: the heartbeat must not wait
    for the first row, or another worker would take the job over."""
    monkeypatch.setattr(services, "HEARTBEAT_EVERY", 0.02)
    real = streaming.copy_records
    ages = []

    def slow_start(*args, **kwargs):
        started = time.time()
        time.sleep(0.3)  # a long sort, as seen from the worker
        ages.append(time.time() - cache.get(services._progress_key(job.pk))["at"])
        assert cache.get(services._progress_key(job.pk))["at"] > started
        yield from real(*args, **kwargs)

    monkeypatch.setattr(services, "copy_records", slow_start)
    with scoped(orgs.a.org):
        job = services.create_export(
            membership=orgs.a.members["admin"], dataset="visits", filters={"sites": tricky["sites"]}
        )
    assert services.run_export(organization_id=orgs.a.org.pk, job_id=job.pk) is True
    assert ages and ages[0] < 0.2


@pytest.mark.parametrize("delimiter", [";", ","])
def test_every_dataset_written_by_copy_matches_the_python_writer(orgs, tricky, scoped, delimiter):
    """Same snapshot, both writers, every column of every dataset COPY may write."""
    from django.db import connection

    from config.exports import datasets
    from reports import csvwriter

    admin, checked = orgs.a.members["admin"], []
    with scoped(orgs.a.org):
        # A journal entry whose details (JSON) hold quotes and commas.
        services.create_export(membership=admin, dataset="visits", filters={"sites": tricky["sites"]})
        tables = set(connection.introspection.table_names())
        for dataset in datasets():
            if dataset.model._meta.db_table not in tables:
                continue  # an app whose migrations have not landed yet
            selection = select(dataset.key, admin, {}, [c.key for c in dataset.columns])
            values = streaming.copy_values(selection)
            if values is None:
                continue
            by_copy = b"".join(
                csvwriter.encode_records(
                    selection.header, streaming.copy_records(values, delimiter=delimiter), delimiter=delimiter
                )
            )
            by_python = b"".join(
                csvwriter.encode(
                    selection.header,
                    selection.values(),
                    delimiter=delimiter,
                    kinds=selection.kinds,
                    transforms=selection.transforms,
                )
            )
            assert by_copy == by_python, dataset.key
            rows = csv.reader(io.StringIO(by_copy.decode("utf-8-sig"), newline=""), delimiter=delimiter)
            checked.append((dataset.key, len(list(rows)) - 1))
    assert ("visits", 11) in checked and ("journal", 1) in checked and "visitors" in dict(checked)
