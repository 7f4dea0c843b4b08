"""`make run` end to end: fresh var/ directory, embedded servers, migrations,
demo data, the French login page, demo logins, and a clean Ctrl-C."""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings

from config.embedded import pick_port


def _read_until(process, pattern, timeout):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        seen.append(line)
        if re.search(pattern, line):
            return "".join(seen)
    raise AssertionError(f"did not see {pattern!r} in:\n{''.join(seen)}")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(bool(os.environ.get("VESTIBULE_SKIP_MAKE_RUN")), reason="VESTIBULE_SKIP_MAKE_RUN is set")
def test_run_serves_french_login_and_demo_logins_then_stops_everything():
    # Not under pytest's tmp_path: pytest keeps that tree closed to other users
    # (and re-closes it when another session starts), and PostgreSQL runs as one.
    var = Path(tempfile.mkdtemp(prefix="vestibule-make-run-")) / "var"
    port = pick_port(18000)
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_OWNER_URL", "REDIS_URL")
    }
    env.update(
        PORT=str(port),
        VESTIBULE_VAR_DIR=str(var),
        DJANGO_ENV="development",
        VESTIBULE_PG_PORT=str(pick_port(45432)),
        VESTIBULE_REDIS_PORT=str(pick_port(46379)),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "config.launcher", "run"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = _read_until(process, r"Press Ctrl-C", timeout=240)
        assert f"http://127.0.0.1:{port}/" in output
        assert "reception@acme.demo" in output and "demo-pass-2026" in output
        base = f"http://127.0.0.1:{port}"
        for _attempt in range(100):
            try:
                page = urllib.request.urlopen(f"{base}/login/", timeout=5).read().decode()  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        assert 'lang="fr"' in page and "Connexion à Vestibule" in page
        # A demo login works.
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(f"{base}/login/", timeout=10).read()
        csrf = next(c.value for c in jar if c.name == "csrftoken")
        data = urlencode(
            {"username": "admin@acme.demo", "password": "demo-pass-2026", "csrfmiddlewaretoken": csrf}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - http on loopback
            f"{base}/login/", data=data, headers={"Referer": f"{base}/login/"}
        )
        home = opener.open(request, timeout=10).read().decode()
        assert "Bienvenue chez Acme Industrie" in home
        # DEBUG is off: a missing page is ours, not Django's list of URL patterns,
        # and static files are served by the application itself.
        with pytest.raises(urllib.error.HTTPError) as missing:
            opener.open(f"{base}/no-such-page/", timeout=10)
        assert missing.value.code == 404
        body = missing.value.read().decode()
        assert "Page introuvable" in body and "URLconf" not in body and "api/v1/" not in body
        css = urllib.request.urlopen(f"{base}/static/css/app.css", timeout=10)  # noqa: S310
        assert css.status == 200 and b".card" in css.read()
        postgres_pid = int((var / "postgres" / "postmaster.pid").read_text().split()[0])
        redis_pid = int((var / "run" / "redis.pid").read_text().strip())
    finally:
        process.send_signal(signal.SIGINT)
        rest = process.communicate(timeout=90)[0]
    assert process.returncode == 0, rest
    for _attempt in range(50):
        if not (_pid_alive(postgres_pid) or _pid_alive(redis_pid)):
            break
        time.sleep(0.1)
    assert not _pid_alive(postgres_pid), "PostgreSQL left running"
    assert not _pid_alive(redis_pid), "Redis left running"
    assert not Path(var / "run" / "database.url").exists()
    shutil.rmtree(var.parent, ignore_errors=True)
