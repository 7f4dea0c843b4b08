"""Issue 21: `make run` makes a backup key on the first start (var/backup.key,
mode 0600), and refuses to start, saying how to fix it, when the key is missing
while backups exist, unreadable or not a key; the settings and the system check
say the same to every manage.py command. No backup is skipped in silence."""

import os
import stat
import subprocess
import sys

import pytest
from django.conf import settings

from config.launcher import SetupError, backup_key


def test_first_start_writes_a_private_key_and_says_where(tmp_path, capsys):
    path = backup_key(tmp_path, {})
    assert path == str(tmp_path / "backup.key")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    key_id, _sep, secret = (tmp_path / "backup.key").read_text().strip().partition(":")
    assert key_id.startswith("make-run-") and len(secret) == 44
    said = capsys.readouterr().out
    assert str(tmp_path / "backup.key") in said and "Move it off this machine for real use" in said
    # The next start reuses it.
    assert backup_key(tmp_path, {}) == path
    assert (tmp_path / "backup.key").read_text().startswith(key_id)


def test_missing_key_while_backups_exist_stops_the_start_with_the_fix(tmp_path):
    (tmp_path / "backups" / "vst-20261201T021500Z-abcdef").mkdir(parents=True)
    with pytest.raises(SetupError) as error:
        backup_key(tmp_path, {})
    message = str(error.value)
    assert "backup.key is missing" in message and "BACKUP_KEYS_FILE" in message
    assert f"remove {tmp_path / 'backups'}" in message
    assert not (tmp_path / "backup.key").exists()  # no fresh key over old backups


def test_key_file_given_but_missing_is_refused(tmp_path):
    with pytest.raises(SetupError, match=r"BACKUP_KEYS_FILE=.*gone\.key is missing"):
        backup_key(tmp_path, {"BACKUP_KEYS_FILE": str(tmp_path / "gone.key")})


def test_unreadable_or_malformed_key_is_refused_with_the_fix(tmp_path):
    # A directory where the file should be cannot be read, even by root.
    (tmp_path / "backup.key").mkdir()
    with pytest.raises(SetupError, match=r"cannot be read .*chmod 600"):
        backup_key(tmp_path, {})
    (tmp_path / "backup.key").rmdir()
    (tmp_path / "backup.key").write_text("not a key\n")
    with pytest.raises(SetupError, match=r"is not a backup key .*--new-key"):
        backup_key(tmp_path, {})


def _manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("BACKUP_KEYS", "BACKUP_KEYS_FILE")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_command_says_when_the_key_file_cannot_be_read(tmp_path):
    result = _manage("check", BACKUP_KEYS_FILE=str(tmp_path / "gone.key"), DJANGO_ENV="development")
    assert result.returncode != 0
    assert "backups.E001" in result.stderr and "gone.key" in result.stderr


def test_no_key_is_a_warning_outside_tests(tmp_path):
    result = _manage("check", DJANGO_ENV="development")
    assert "backups.W001" in result.stderr + result.stdout
    assert "nightly backup" in result.stderr + result.stdout


def test_make_run_refuses_to_start_without_its_key(tmp_path):
    var = tmp_path / "var"
    (var / "backups" / "vst-x").mkdir(parents=True)
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("BACKUP_KEYS", "BACKUP_KEYS_FILE", "DATABASE_URL", "DATABASE_OWNER_URL", "REDIS_URL")
    }
    environment.update(VESTIBULE_VAR_DIR=str(var), PORT="18999")
    result = subprocess.run(
        [sys.executable, "-m", "config.launcher", "run"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "backup key file" in result.stdout and "BACKUP_KEYS_FILE" in result.stdout
    assert not (var / "postgres").exists()  # refused before anything started
