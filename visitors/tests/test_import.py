"""CSV import of visits as a Celery job: limits checked before parsing, the
file in the configured storage, progress, line-numbered errors, all or
nothing, a worker killed mid-way, a host's own guests."""

import pytest
from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from retention.tests.factories import Killed
from visitors import imports, services
from visitors.models import ImportJob, ImportStatus, Visit
from visitors.tests.factories import make_visit_type
from visitors.tests.importing import drain, private_queue, upload

HEADER = "first_name;last_name;email;phone;visit_type;expected_at\n"


@pytest.fixture
def store(settings, tmp_path):
    """Import files go to a private folder, so a test sees what is stored."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    from django.core.files.storage import storages

    storages._storages.pop("default", None)
    yield tmp_path / "media"
    storages._storages.pop("default", None)


def stored_files(store):
    return [p for p in store.rglob("*") if p.is_file()] if store.exists() else []


def lines(n: int, *, start=2) -> str:
    return "".join(
        f"Prénom{i};Nom{i};p{i}@example.test;06 12 34 56 {i % 90 + 10};Visitor;2030-01-02 09:00\n"
        for i in range(start, start + n)
    )


def job_of(orgs, scoped) -> ImportJob:
    with scoped(orgs.a.org):
        return ImportJob.objects.get()


def work(orgs, job):
    """What the Celery worker does with the queued task (its transactions
    commit: what waits for the commit runs)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return imports.run_import(organization_id=orgs.a.org.pk, job_id=job.pk)


def visits(orgs, scoped) -> int:
    with scoped(orgs.a.org):
        return Visit.objects.count()


@pytest.fixture
def vtype(orgs, scoped):
    with scoped(orgs.a.org):
        return make_visit_type(orgs.a, name_fr="Visiteur", name_en="Visitor")


# --- through the real broker --------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_import_runs_in_a_worker_and_the_page_shows_progress_and_errors(
    orgs, api, scoped, store, settings, vtype
):
    queue = private_queue(settings)
    client = api(orgs.a, "admin")
    bad = (
        "\ufeffPrénom;Nom;Société;Type de visite;Arrivée prévue\n"
        "Hélène;Lefèvre;Écla;Visiteur;2030-01-02 09:00\n"
        "Zoé;Brûlé;;Visiteur;31/02/2030 25:00\n"
        ";Sans prénom;;Visiteur;2030-01-02 10:00\n"
        "Jean;Inconnu;;Safari;2030-01-02 10:00\n"
    ).encode()
    response = upload(client, orgs.a.site, bad)
    job = job_of(orgs, scoped)
    assert response.status_code == 302 and response["Location"] == reverse("visit_import_job", args=[job.pk])
    # Stored where any worker reads it, not in the web process.
    assert len(stored_files(store)) == 1
    waiting = client.get(response["Location"]).content.decode()
    assert "Waiting for a worker" in waiting and 'hx-trigger="every 1s"' in waiting
    assert drain(queue) == [True]
    page = client.get(reverse("visit_import_progress", args=[job.pk])).content.decode()
    assert "Nothing was imported." in page and "hx-get" not in page  # polling stops
    assert "Line 3: bad date" in page and "Line 4: first and last name" in page
    assert "Line 5: unknown visit type" in page
    assert visits(orgs, scoped) == 0 and stored_files(store) == []

    latin1 = "first_name;last_name;visit_type;expected_at\nHélène;Lefèvre;Visitor;2030-01-02 09:00\n"
    upload(client, orgs.a.site, latin1.encode("latin-1"))
    tabs = b"first_name\tlast_name\tvisit_type\texpected_at\nA\tB\tVisitor\t2030-01-02 09:00\n"
    upload(client, orgs.a.site, tabs)
    assert drain(queue) == [True, True]
    with scoped(orgs.a.org):
        refused = list(ImportJob.objects.filter(status=ImportStatus.REFUSED).order_by("pk"))
    assert refused[1].errors[0].startswith("Line 2: not UTF-8")
    assert refused[2].errors[0].startswith("Line 1: missing columns")

    good = (
        "first_name,last_name,email,visit_type,expected_at\n"
        "Hélène,Lefèvre,helene@example.test,Visitor,2030-01-02 09:00\n"
        "Zoé,B,,visiteur,02/01/2030 10:00\n"
    )
    response = upload(client, orgs.a.site, good.encode())
    assert drain(queue) == [True]
    page = client.get(response["Location"]).content.decode()
    assert "2 visits imported." in page
    # The truth about invitations: one queued, one visitor without an address.
    assert "1 invitation is on its way." in page
    assert "1 visitor has no e-mail address: no invitation." in page
    assert 'value="100"' in page and "2 / 2" in page
    assert visits(orgs, scoped) == 2


# --- limits, before any parsing -----------------------------------------------------------------
@pytest.mark.django_db
def test_a_file_over_50000_lines_is_refused_before_parsing_with_the_limit_named(
    orgs, api, scoped, store, vtype
):
    client = api(orgs.a, "admin")
    # Not even a CSV: nothing is parsed, only the line ends are counted.
    data = b"header\n" + b"x\n" * 50_001
    response = upload(client, orgs.a.site, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "The file has 50,001 lines; the limit is 50,000 visits per file." in page
    assert stored_files(store) == []
    with scoped(orgs.a.org):
        assert not ImportJob.objects.exists()
    # 50,000 is within the limit: stored and queued.
    assert upload(client, orgs.a.site, b"header\n" + b"x\n" * 50_000).status_code == 302
    assert job_of(orgs, scoped).rows_total == 50_000


@pytest.mark.django_db
def test_a_21_mb_file_is_refused_before_parsing_with_the_limit_named(orgs, api, scoped, store, vtype):
    response = upload(api(orgs.a, "admin"), orgs.a.site, HEADER.encode() + b"a" * (21 * 1024 * 1024))
    page = response.content.decode()
    assert "The file is 21.0 MB; the limit is 20 MB." in page
    assert stored_files(store) == []
    with scoped(orgs.a.org):
        assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_limits_are_said_in_french(orgs, api, store, vtype):
    page = upload(api(orgs.a, "admin", language="fr"), orgs.a.site, b"h\n" + b"x\n" * 50_001)
    assert "limite est de 50\u00a0000 visites par fichier" in page.content.decode()


# --- bad lines: refused with their number, nothing imported ----------------------------------
@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (
            "Hélène;" + "L" * 131_073 + ";;;Visitor;2030-01-02 09:00\n",
            "Line 3: longer than 4000 characters; this is not a visit.",
        ),
        (
            "Hél\x00ène;Lefèvre;;;Visitor;2030-01-02 09:00\n",
            "Line 3: contains an invisible control character",
        ),
        (
            "Hélène;Lefèvre;;;Visitor;31/12/9999 23:59\n",
            "Line 3: The date must be between the years 2000 and",
        ),
        (
            "Hélène;Lefèvre;;;Visitor;01/01/0001 09:00\n",
            "Line 3: The date must be between the years 2000 and",
        ),
        ("Hélène;Lefèvre;not-an-email;;Visitor;2030-01-02 09:00\n", "Line 3: “not-an-email” is not a valid"),
        ("Hélène;Lefèvre;;12;Visitor;2030-01-02 09:00\n", "Line 3: “12” is not a valid phone number"),
        ("Hélène;" + "L" * 101 + ";;;Visitor;2030-01-02 09:00\n", "Line 3: last name longer than 100"),
    ],
    ids=["cell-over-131072", "nul", "year-9999", "year-0001", "email", "phone", "name-too-long"],
)
@pytest.mark.django_db
def test_bad_line_refuses_the_whole_file(orgs, api, scoped, store, vtype, line, problem):
    client = api(orgs.a, "admin")
    data = (HEADER + lines(1) + line).encode()
    response = upload(client, orgs.a.site, data)
    job = job_of(orgs, scoped)
    assert work(orgs, job) is True
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was imported." in page and "Refused: nothing imported" in page
    job = job_of(orgs, scoped)
    assert job.status == ImportStatus.REFUSED and len(job.errors) == 1
    assert job.errors[0].startswith(problem), job.errors
    assert visits(orgs, scoped) == 0 and stored_files(store) == []


# --- a worker killed mid-way ------------------------------------------------------------------
def _die_on_visit(monkeypatch, n: int):
    """The worker is killed (SIGKILL) while it creates the `n`-th visit."""
    real = services.pre_register
    calls = {"n": 0}

    def dying(**kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise Killed
        return real(**kwargs)

    monkeypatch.setattr(services, "pre_register", dying)
    return lambda: monkeypatch.setattr(services, "pre_register", real)


@pytest.mark.django_db
def test_worker_killed_mid_import_leaves_nothing_and_the_job_starts_over(
    orgs, api, scoped, store, vtype, monkeypatch
):
    client = api(orgs.a, "admin")
    response = upload(client, orgs.a.site, (HEADER + lines(5)).encode())
    job = job_of(orgs, scoped)
    revive = _die_on_visit(monkeypatch, 3)
    with pytest.raises(Killed):
        work(orgs, job)
    # Two visits were created before the kill, in the import's transaction: gone.
    assert visits(orgs, scoped) == 0
    stuck = job_of(orgs, scoped)
    assert (stuck.status, stuck.attempts, stuck.rows_imported) == (ImportStatus.RUNNING, 1, 0)
    assert len(stored_files(store)) == 1  # kept for the next attempt
    assert "In progress" in client.get(response["Location"]).content.decode()
    revive()
    # The message comes back while the heartbeat is fresh: another worker may
    # be on it, so nothing happens.
    assert work(orgs, job) is False
    cache.delete(imports._progress_key(job.pk))  # two minutes without a heartbeat
    assert work(orgs, job) is True
    done = job_of(orgs, scoped)
    assert (done.status, done.attempts, done.rows_imported) == (ImportStatus.DONE, 2, 5)
    assert visits(orgs, scoped) == 5 and stored_files(store) == []
    assert "5 visits imported." in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_an_import_killed_at_every_attempt_fails_visibly_with_nothing_imported(
    orgs, api, scoped, store, vtype, monkeypatch
):
    client = api(orgs.a, "admin")
    response = upload(client, orgs.a.site, (HEADER + lines(4)).encode())
    job = job_of(orgs, scoped)
    for _attempt in range(imports.MAX_ATTEMPTS):
        _die_on_visit(monkeypatch, 2)
        with pytest.raises(Killed):
            work(orgs, job)
        cache.delete(imports._progress_key(job.pk))
    assert work(orgs, job) is False  # attempts spent: failed, not tried again
    failed = job_of(orgs, scoped)
    assert failed.status == ImportStatus.FAILED
    assert visits(orgs, scoped) == 0 and stored_files(store) == []
    page = client.get(response["Location"]).content.decode()
    assert "Failed: nothing imported" in page and "The import stopped several times" in page
    assert "hx-get" not in page


@pytest.mark.django_db
def test_stalled_imports_are_found_for_the_sweeper(orgs, api, scoped, store, vtype, monkeypatch):
    upload(api(orgs.a, "admin"), orgs.a.site, (HEADER + lines(2)).encode())
    job = job_of(orgs, scoped)
    _die_on_visit(monkeypatch, 1)
    with pytest.raises(Killed):
        work(orgs, job)
    with scoped(orgs.a.org):
        assert imports.stalled_jobs() == []  # its heartbeat is fresh
        cache.delete(imports._progress_key(job.pk))
        assert imports.stalled_jobs() == [job.pk]


# --- hosts and people -------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_host_imports_own_guests_without_a_host_column(orgs, api, scoped, store):
    with scoped(orgs.a.org):
        make_visit_type(orgs.a, name_fr="Visiteur", name_en="Visitor", host_required=True)
    host = orgs.a.members["host"]
    client = api(orgs.a, "host")
    upload(client, orgs.a.site, (HEADER + lines(2)).encode())
    assert work(orgs, job_of(orgs, scoped)) is True
    with scoped(orgs.a.org):
        assert list(Visit.objects.values_list("host_id", flat=True)) == [host.pk, host.pk]
        # French numbers are read in the default region and stored in E.164.
        assert set(Visit.objects.values_list("visitor__phone", flat=True)) == {"+33612345612", "+33612345613"}
    # Naming another host is refused: a host imports their own guests.
    other = orgs.a.members["admin"].user.email
    data = f"first_name;last_name;visit_type;expected_at;hôte\nA;B;Visitor;2030-01-02 09:00;{other}\n"
    upload(client, orgs.a.site, data.encode())
    with scoped(orgs.a.org):
        job = ImportJob.objects.order_by("-pk").first()
    work(orgs, job)
    with scoped(orgs.a.org):
        job.refresh_from_db()
    assert job.errors == ["Line 2: as a host, you import your own guests only."]


@pytest.mark.django_db
def test_someone_else_s_import_is_not_shown(orgs, api, scoped, store, vtype):
    upload(api(orgs.a, "reception"), orgs.a.site, (HEADER + lines(1)).encode())
    job = job_of(orgs, scoped)
    url = reverse("visit_import_job", args=[job.pk])
    assert api(orgs.a, "host").get(url).status_code == 404
    assert api(orgs.a, "admin").get(url).status_code == 200
    assert api(orgs.b, "admin").get(url).status_code == 404


# The worker, in a process of its own, stops for good after its third visit.
WORKER = """
import sys, time
import django
django.setup()
from visitors import imports, services
real, calls = services.pre_register, []
def slow(**kwargs):
    visit = real(**kwargs)
    calls.append(visit.pk)
    if len(calls) == 3:
        print("three visits created", flush=True)
        time.sleep(120)
    return visit
services.pre_register = slow
imports.run_import(organization_id=int(sys.argv[1]), job_id=int(sys.argv[2]))
"""


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_killed_by_sigkill_leaves_nothing_and_the_job_resumes(
    orgs, api, scoped, store, vtype
):
    import os
    import select
    import signal
    import subprocess
    import sys

    from django.db import connection

    upload(api(orgs.a, "admin"), orgs.a.site, (HEADER + lines(6)).encode())
    job = job_of(orgs, scoped)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "MEDIA_ROOT": str(store),
    }
    with subprocess.Popen(
        [sys.executable, "-c", WORKER, str(orgs.a.org.pk), str(job.pk)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as worker:
        try:
            ready, _w, _x = select.select([worker.stdout], [], [], 120)
            assert ready, "the worker never got going"
            assert worker.stdout.readline().strip() == "three visits created", worker.stderr.read()
            os.kill(worker.pid, signal.SIGKILL)
            assert worker.wait(timeout=30) == -signal.SIGKILL
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    # Its connection is gone with it: PostgreSQL rolled the three visits back.
    assert visits(orgs, scoped) == 0
    stuck = job_of(orgs, scoped)
    assert (stuck.status, stuck.attempts) == (ImportStatus.RUNNING, 1)
    cache.delete(imports._progress_key(job.pk))  # no heartbeat any more
    assert work(orgs, job) is True
    done = job_of(orgs, scoped)
    assert (done.status, done.attempts, done.rows_imported) == (ImportStatus.DONE, 2, 6)
    assert visits(orgs, scoped) == 6


# --- the desk is not held up ------------------------------------------------------------------
@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_an_import_under_way_leaves_the_journal_head_free_for_the_desk(
    orgs, api, scoped, store, vtype, monkeypatch
):
    """Half-way through a long import (its transaction open, visits created),
    an arrival of the same organization is journaled at once; the import's
    entries follow in the chain when it commits, which still verifies."""
    import threading

    from django.db import connections

    from audit import services as audit
    from audit.models import JournalEntry
    from badges.tests.test_outside_lock import head_is_free
    from visitors.tests.factories import make_visit

    with scoped(orgs.a.org):
        desk_visit = make_visit(orgs.a, visit_type=vtype)
    client = api(orgs.a, "admin")
    upload(client, orgs.a.site, (HEADER + lines(4)).encode())
    job = job_of(orgs, scoped)
    midway, go = threading.Event(), threading.Event()
    real = services.pre_register
    calls = {"n": 0}

    def pausing(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            midway.set()
            go.wait(30)
        return real(**kwargs)

    monkeypatch.setattr(services, "pre_register", pausing)
    outcome = []

    def worker():
        try:
            outcome.append(work(orgs, job))
        finally:
            connections.close_all()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert midway.wait(30)
        assert head_is_free(orgs.a.org.pk)
        arrived = api(orgs.a, "reception").post(
            f"/api/v1/visits/{desk_visit.pk}/arrive/",
            {"desk": orgs.a.desk.pk},
            content_type="application/json",
        )
        assert arrived.status_code == 200
    finally:
        go.set()
        thread.join(60)
    assert outcome == [True] and visits(orgs, scoped) == 5
    with scoped(orgs.a.org):
        verbs = list(JournalEntry.objects.order_by("seq").values_list("verb", flat=True))
        assert verbs.index("visit.arrived") < len(verbs) - 4 and verbs[-4:] == ["visit.pre_registered"] * 4
        assert audit.verify(orgs.a.org).ok
    connections["owner"].close()
