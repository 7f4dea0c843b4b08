"""Item 1: `manage.py backup`."""

import datetime
import io
import json
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import JournalEntry
from backups import archive, crypto, destinations
from backups.models import BackupRun, RunStatus
from backups.tests.conftest import KEY_1, KEY_2
from tenancy.scope import tenant_scope

pytestmark = pytest.mark.usefixtures("backup_settings")


def test_backup_copies_everywhere_with_a_manifest(data, orgs, tmp_path):
    out = io.StringIO()
    call_command("backup", stdout=out)
    run = BackupRun.objects.get()
    assert run.status == RunStatus.OK
    assert (run.copies, run.copies_planned) == (3, 3)
    rule = run.report["three_two_one"]
    assert rule["met"] and rule["media"] == ["disk", "object storage"] and rule["offsite"]
    assert "3 of 3 copies" in out.getvalue()
    for dest in destinations.configured():
        assert dest.backups() == [run.backup_id]
    folder = tmp_path / "check"
    folder.mkdir()
    archive.fetch(run.backup_id, folder, destinations.by_name("s3"))
    unpacked = archive.unpack(folder)
    manifest = unpacked.manifest
    assert manifest["key_id"] == "k1"
    assert manifest["row_counts"]["visitors_visit"] == 6
    assert manifest["objects"]["count"] == 2
    assert {o["key"] for o in manifest["objects"]["items"]} == set(data.files)
    assert any(m.startswith("backups.0002") for m in manifest["migrations"])
    config = json.loads(unpacked.plain["config.json"].read_bytes())
    assert set(config) == {"org-a", "org-b"}
    # Nothing readable in the sealed parts: no visitor name leaks in clear.
    for part in folder.glob("*.enc"):
        assert b"Dupont" not in part.read_bytes()
    # Journaled in every organization's journal, ids only.
    for org in (orgs.a, orgs.b):
        with tenant_scope(org.org):
            entry = JournalEntry.objects.get(verb="backup.created")
            assert entry.data == {"backup_run": run.pk, "copies": 3, "planned": 3, "status": "ok"}


def test_one_destination_down_makes_the_other_copies_and_fails(data, settings):
    settings.BACKUP_DESTINATIONS = [
        *settings.BACKUP_DESTINATIONS[:2],
        {**settings.BACKUP_DESTINATIONS[2], "endpoint_url": "http://127.0.0.1:9"},
    ]
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 of 3 copies"):
        call_command("backup", stdout=out)
    run = BackupRun.objects.get()
    assert run.status == RunStatus.PARTIAL
    assert [d["ok"] for d in run.report["destinations"]] == [True, True, False]
    assert run.report["three_two_one"]["offsite"] is False
    assert destinations.by_name("local").backups() == [run.backup_id]
    assert "offsite" in run.error
    with tenant_scope(data.visits["a"][0].organization_id):
        assert JournalEntry.objects.get(verb="backup.created").data["status"] == "partial"


def test_no_key_is_a_clear_error_and_nothing_is_written(transactional_db, settings):
    settings.BACKUP_KEYS = ""
    with pytest.raises(CommandError, match="BACKUP_KEYS is empty"):
        call_command("backup")
    assert not BackupRun.objects.exists()


def test_malformed_key_is_named(settings):
    settings.BACKUP_KEYS = "k1:abc"
    with pytest.raises(crypto.BackupKeyError, match="k1"):
        crypto.key_ring()


def test_key_rotation_and_reencrypt(data, settings, tmp_path):
    from django.utils import timezone

    from backups import services

    # A day apart, or rotation would keep only the newest of the day.
    old = services.run_backup(destination_names=["local"], now=timezone.now() - datetime.timedelta(days=1))
    settings.BACKUP_KEYS = f"k2:{KEY_2},k1:{KEY_1}"
    call_command("backup", "--destination", "local")
    new = BackupRun.objects.exclude(pk=old.pk).get()
    assert (old.key_id, new.key_id) == ("k1", "k2")
    local = destinations.by_name("local")
    # The older backup still opens while k1 is listed.
    folder = tmp_path / "old"
    folder.mkdir()
    archive.fetch(old.backup_id, folder, local)
    assert archive.unpack(folder).manifest["key_id"] == "k1"
    call_command("backup", "--reencrypt", stdout=io.StringIO())
    settings.BACKUP_KEYS = f"k2:{KEY_2}"  # k1 retired
    for run in (old, new):
        folder = tmp_path / f"after-{run.pk}"
        folder.mkdir()
        archive.fetch(run.backup_id, folder, local)
        assert (
            archive.unpack(folder, expected=BackupRun.objects.get(pk=run.pk).report).manifest["key_id"]
            == "k2"
        )


def test_rotation_keeps_daily_weekly_monthly():
    base = datetime.datetime(2026, 11, 29, 2, 15, tzinfo=datetime.UTC)
    times = {f"b{n:03}": base - datetime.timedelta(days=n) for n in range(120)}
    times["b000-second"] = base - datetime.timedelta(hours=1)  # two the same day: the newest stays
    keep = archive.to_keep(times, daily=7, weekly=4, monthly=3)
    assert {f"b{n:03}" for n in range(7)} <= keep
    assert "b000-second" not in keep
    assert len(keep) <= 7 + 4 + 3
    assert "b100" not in keep


def test_rotation_deletes_old_backups_in_each_destination(data, settings):
    settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY, settings.BACKUP_KEEP_MONTHLY = 1, 0, 0
    local = destinations.by_name("local")
    old_id = archive.new_backup_id(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    (local.path and __import__("pathlib").Path(local.path, old_id)).mkdir(parents=True)
    (__import__("pathlib").Path(local.path, old_id, "manifest.json.enc")).write_bytes(b"x")
    call_command("backup", "--destination", "local")
    assert local.backups() == [BackupRun.objects.get().backup_id]
    assert BackupRun.objects.get().report["destinations"][0]["rotated"] == [old_id]


MEASURE = """
import base64, sys, tracemalloc
from backups import crypto
key = crypto.parse_keys("k1:" + base64.b64encode(b"1" * 32).decode())[0]
tracemalloc.start()
with open(sys.argv[1], "wb") as sink:
    writer = getattr(crypto, sys.argv[3])(sink, key)
    block = b"v" * 65536
    for _ in range(int(sys.argv[2])):
        writer.write(block)
    writer.close()
print(tracemalloc.get_traced_memory()[1])
"""


def _peak(path, blocks, encryptor):
    import subprocess
    import sys

    from django.conf import settings

    # Measured in a process of its own: this one runs the S3 server's threads.
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), str(blocks), encryptor],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    return int(done.stdout)


def test_age_encryption_is_streamed_and_detects_tampering(tmp_path):
    key = crypto.parse_keys(f"k1:{KEY_1}")[0]
    path = tmp_path / "big.age"
    small, large = _peak(path, 32, "Encryptor"), _peak(path, 480, "Encryptor")  # 2 MiB, then 30 MiB
    assert large < 8 * 1024 * 1024
    assert large - small < 1024 * 1024  # memory does not grow with the size
    data = path.read_bytes()
    assert data.startswith(crypto.AGE_MAGIC)
    with open(path, "rb") as stream:
        assert sum(len(c) for c in crypto.decrypt_stream(stream, key)) == 480 * 65536
    cases = {
        "truncated": data[: len(data) // 2],
        "flipped": data[:-100] + bytes([data[-100] ^ 1]) + data[-99:],
    }
    for name, broken in cases.items():
        path.write_bytes(broken)
        with open(path, "rb") as stream, pytest.raises(crypto.IntegrityError):
            for _chunk in crypto.decrypt_stream(stream, key):
                pass
        assert name


@pytest.mark.skipif(
    not shutil.which("age"), reason="the `age` command is not installed (apt-get install age)"
)
def test_an_age_backup_decrypts_with_the_age_command(tmp_path):
    """What an operator does without our code: the key's identity from
    `manage.py backup --age-identity`, then `age -d -i`."""
    import subprocess

    out = io.StringIO()
    call_command("backup", "--age-identity", "k1", stdout=out)
    identity = tmp_path / "k1.age-identity"
    identity.write_text(out.getvalue())
    key = crypto.find_key("k1")
    path = tmp_path / "part.age"
    with open(path, "wb") as sink:
        writer = crypto.Encryptor(sink, key)
        writer.write(b"SELECT 1;\n" * 10000)
        writer.close()
    done = subprocess.run(["age", "-d", "-i", str(identity), str(path)], capture_output=True, check=True)
    assert done.stdout == b"SELECT 1;\n" * 10000


def test_old_format_encryption_is_streamed_in_chunks_and_detects_tampering(tmp_path):
    key = crypto.parse_keys(f"k1:{KEY_1}")[0]
    path = tmp_path / "big.enc"

    small, large = (
        _peak(path, 32, "LegacyEncryptor"),
        _peak(path, 480, "LegacyEncryptor"),
    )  # 2 MiB, then 30 MiB
    assert large < 8 * 1024 * 1024
    assert large - small < 1024 * 1024  # memory does not grow with the size
    with open(path, "rb") as stream:
        assert sum(len(c) for c in crypto.decrypt_stream(stream, key)) == 480 * 65536
    data = path.read_bytes()
    header_len = len(crypto.MAGIC) + 1 + 2 + 24
    frame = 1 + 4 + 12 + crypto.CHUNK + 16
    first, second = data[header_len : header_len + frame], data[header_len + frame : header_len + 2 * frame]
    cases = {
        "truncated": data[: header_len + 3 * frame],
        "reordered": data[:header_len] + second + first + data[header_len + 2 * frame :],
        "flipped": data[:-100] + bytes([data[-100] ^ 1]) + data[-99:],
    }
    for name, broken in cases.items():
        path.write_bytes(broken)
        with open(path, "rb") as stream, pytest.raises(crypto.IntegrityError):
            for _chunk in crypto.decrypt_stream(stream, key):
                pass
        assert name


def test_wrong_key_is_told_apart_from_corruption(tmp_path):
    good, bad = crypto.parse_keys(f"k1:{KEY_1}")[0], crypto.Key("k1", b"3" * 32)
    path = tmp_path / "x.enc"
    for encryptor in (crypto.Encryptor, crypto.LegacyEncryptor):
        with open(path, "wb") as sink:
            writer = encryptor(sink, good)
            writer.write(b"hello")
            writer.close()
        with open(path, "rb") as stream, pytest.raises(crypto.BackupKeyError, match="not the key"):
            list(crypto.decrypt_stream(stream, bad))
