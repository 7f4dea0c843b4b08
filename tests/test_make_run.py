"""`make run` end to end: fresh var/ directory, embedded servers, migrations,
demo data, the French login page, demo logins, and a clean Ctrl-C."""

import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.conf import settings

from config.embedded import pick_port
from tests.browser import browser_page, needs_chromium, screenshot_path, sign_in


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


# One worker runs the whole module, in order: its tests share one `make run`,
# and the last one stops it (pytest-xdist `--dist loadgroup`).
pytestmark = pytest.mark.xdist_group("make_run")

SKIP = pytest.mark.skipif(
    bool(os.environ.get("VESTIBULE_SKIP_MAKE_RUN")), reason="VESTIBULE_SKIP_MAKE_RUN is set"
)


@pytest.fixture(scope="module")
def make_run():
    """`make run` on a fresh var/ directory, shared by this module's tests; the
    last test stops it and checks that everything stopped."""
    # Not under pytest's tmp_path: pytest keeps that tree closed to other users
    # (and re-closes it when another session starts), and PostgreSQL runs as one.
    var = Path(tempfile.mkdtemp(prefix="vestibule-make-run-")) / "var"
    port = pick_port(18000)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DATABASE_OWNER_URL", "REDIS_URL", "BACKUP_KEYS", "BACKUP_KEYS_FILE")
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
    state = SimpleNamespace(
        process=process, var=var, port=port, base=f"http://127.0.0.1:{port}", output="", rest=[]
    )
    drain = None
    try:
        state.output = _read_until(process, r"Press Ctrl-C", timeout=300)
        # Keep reading what the servers print (access log, worker, beat): a pipe
        # nobody reads fills up, then gunicorn's worker blocks writing its access
        # log line, is killed by its timeout, and the request is reset.
        drain = threading.Thread(target=lambda: state.rest.extend(process.stdout), daemon=True)
        drain.start()
        state.drain = drain
        for _attempt in range(100):
            try:
                urllib.request.urlopen(f"{state.base}/login/", timeout=5).read()  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        yield state
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            if drain is None:
                process.communicate(timeout=90)
            else:
                process.wait(timeout=90)
        if drain is not None:
            drain.join(timeout=10)
            process.stdout.close()
        shutil.rmtree(var.parent, ignore_errors=True)


@SKIP
def test_run_serves_french_login_and_demo_logins(make_run):
    output, var, port, base = make_run.output, make_run.var, make_run.port, make_run.base
    assert f"http://127.0.0.1:{port}/" in output
    assert "reception@acme.demo" in output and "demo-pass-2026" in output
    assert re.search(r"platform\s+support\s+support@vestibule.demo", output)
    # The backup key, made on this first start, private, its path printed.
    key = var / "backup.key"
    assert f"Backup key created: {key} (mode 0600)" in output and "Move it off this machine" in output
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    # The first backup and its restore drill ran after the demo seed.
    assert re.search(r"Backup vst-\S+: \d+ bytes", output)
    assert re.search(r"vst-\S+: verified", output)
    assert "Backups: every night at 02:15 UTC" in output
    page = urllib.request.urlopen(f"{base}/login/", timeout=5).read().decode()  # noqa: S310
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


@SKIP
@needs_chromium
def test_journey_d_backups_page_after_make_run_shows_a_verified_backup_and_its_drill(make_run):
    """(d) The admin of the demo opens the backups page right after `make run`:
    the first backup, verified, where its copies are, the drill report, the
    restore window; support's console lists the backups too. The screenshot
    goes to docs/screens/ with VESTIBULE_SCREENSHOTS=1."""
    from playwright.sync_api import expect

    with browser_page() as page:
        started, clicks = time.monotonic(), 0
        sign_in(page, make_run.base, "admin@acme.demo", "demo-pass-2026")
        clicks += 1
        page.click("nav.side >> text=Sauvegardes & restauration")
        clicks += 1
        expect(page.locator("h1")).to_have_text("Sauvegardes & restauration")
        summary = page.locator("#backup-summary")
        expect(summary).to_contain_text("Vérifiée par un test de restauration.")
        expect(page.locator("#restore-window")).to_contain_text("Fenêtre de restauration")
        expect(page.locator("#restore-window")).to_contain_text("Europe/Paris")
        expect(page.locator("#backup-destinations")).to_contain_text("disque local")
        expect(page.locator("#backup-destinations")).to_contain_text("faite")
        expect(summary).to_contain_text("Prochaine sauvegarde")
        drill = page.locator("#drill-report")
        expect(drill).to_contain_text("réussi")
        expect(drill).to_contain_text("Base de données restaurée")
        expect(drill).to_contain_text("Pré-enregistrement, arrivée, badge et export")
        seconds = time.monotonic() - started
        page.screenshot(path=screenshot_path("backups.png", make_run.var), full_page=True)
        print(f"\njourney (d) backups page after make run: {clicks} clicks, {seconds:.1f} s")
    with browser_page() as page:
        sign_in(page, make_run.base, "support@vestibule.demo", "demo-pass-2026")
        # Support's page is its console (docs/screens/support-console.png is
        # taken by journey (a), with a ticket's preview in it).
        expect(page.locator("h1")).to_have_text("Console du support")


@SKIP
def test_ctrl_c_stops_everything(make_run):
    var, process = make_run.var, make_run.process
    postgres_pid = int((var / "postgres" / "postmaster.pid").read_text().split()[0])
    redis_pid = int((var / "run" / "redis.pid").read_text().strip())
    process.send_signal(signal.SIGINT)
    process.wait(timeout=90)
    make_run.drain.join(timeout=10)
    rest = "".join(make_run.rest)
    assert process.returncode == 0, rest
    for _attempt in range(50):
        if not (_pid_alive(postgres_pid) or _pid_alive(redis_pid)):
            break
        time.sleep(0.1)
    assert not _pid_alive(postgres_pid), "PostgreSQL left running"
    assert not _pid_alive(redis_pid), "Redis left running"
    assert not Path(var / "run" / "database.url").exists()
