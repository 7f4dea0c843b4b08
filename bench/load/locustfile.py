"""A head office's morning, played by Locust against a server on loopback.

    locust -f bench/load/locustfile.py --headless -u 50 -r 10 -t 60s --host http://127.0.0.1:PORT

`bench/load/run.py` (`make load`) seeds the data, writes the plan this file
reads (LOAD_PLAN, JSON: logins, tokens, visit pools) and starts the server.

Users, by weight (50 users: 30 desks, 8 kiosks, 8 hosts, 2 security, 1 export,
1 purge):
- desk clients (HTML desk, session): the visit list refreshed every 10 s, a
  search typed letter by letter, arrivals, departures, QR scans, badge PDFs;
- kiosks (public page, no login): a name search then the visitor's
  confirmation, or a QR code;
- hosts (API token): pre-registration of a visitor;
- security (HTML, session): the roll call of the head office every 30 s;
- background: an export of the visits every minute (a Celery job, polled), a
  purge run (once, polled).

The server runs the production settings (secure cookies, HSTS): the client
says `X-Forwarded-Proto: https` as the TLS proxy would, and keeps its cookies
although they are marked Secure on a plain-HTTP loopback.

Bounds: the host must be loopback; LOAD_MAX_REQUESTS stops the run (as -t
does for time and -u for users)."""

import json
import os
import re
import time
from urllib.parse import urlsplit

from locust import HttpUser, between, constant, events, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"]).read())  # noqa: SIM115
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "100000"))
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
# Names typed at the desk and the kiosk: prefixes of the bench's last names.
TYPED = ["lefèvre", "muller", "dupré", "garçon", "rivière", "zoé"]
counted = {"n": 0}


def take(pool: str):
    items = PLAN[pool]
    return items.pop() if items else None


@events.init.add_listener
def _bounds(environment, **_kwargs):
    host = urlsplit(environment.host or "").hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"bench/load: loopback only, not {environment.host!r}")


_environment: dict = {}


@events.init.add_listener
def _keep(environment, **_kwargs):
    _environment["env"] = environment


@events.request.add_listener
def _cap(**_kwargs):
    counted["n"] += 1
    environment = _environment.get("env")
    if counted["n"] == MAX_REQUESTS and environment is not None and environment.runner is not None:
        environment.runner.quit()


class Browser(HttpUser):
    """A staff browser behind the TLS proxy (production settings)."""

    abstract = True

    def on_start(self):
        origin = "https://" + urlsplit(self.host).netloc
        self.client.headers.update({"X-Forwarded-Proto": "https", "Origin": origin, "Referer": origin + "/"})

    def _plain(self):
        # The cookies are Secure: the proxy speaks TLS to the browser, loopback
        # speaks HTTP to gunicorn; keep sending them.
        for cookie in self.client.cookies:
            cookie.secure = False

    def page(self, method: str, path: str, name: str, **kwargs):
        kwargs.setdefault("allow_redirects", False)
        with self.client.request(method, path, name=name, catch_response=True, **kwargs) as response:
            self._plain()
            if response.status_code >= 400 or (response.status_code >= 300 and not kwargs.get("redirect_ok")):
                response.failure(f"{response.status_code}: {response.text[:200]!r}")
            return response

    def csrf(self) -> dict:
        return {"X-CSRFToken": self.client.cookies.get("csrftoken", "")}

    def login(self, email: str):
        """The session made at seeding (an open desk), else a real login."""
        key = PLAN.get("sessions", {}).get(email)
        if key:
            self.client.cookies.set("sessionid", key)
            return
        form = self.client.get("/login/", name="login form")
        self._plain()
        token = TOKEN.search(form.content)
        data = {"username": email, "password": PLAN["password"]}
        if token:
            data["csrfmiddlewaretoken"] = token.group(1).decode()
        with self.client.post(
            "/login/", data=data, name="login", allow_redirects=False, catch_response=True
        ) as response:
            self._plain()
            if response.status_code != 302:
                response.failure(f"login {email}: {response.status_code}")


class DeskClient(Browser):
    weight = 30
    wait_time = between(1, 4)

    def on_start(self):
        super().on_start()
        self.email = take("reception") or PLAN["reception"][0]
        self.desk = PLAN["hq_desks"][len(PLAN["reception"]) % len(PLAN["hq_desks"])]  # one desk each, in turn
        self.login(self.email)
        # The desk screen, opened once: it sets the CSRF cookie the POSTs carry.
        self.page("GET", f"/desk/?desk={self.desk}", "desk screen (opened once)")
        self.refreshed = 0.0
        self.refresh()

    def refresh(self):
        self.refreshed = time.monotonic()
        self.page("GET", f"/desk/visits/?desk={self.desk}", "desk list", headers={"HX-Request": "true"})

    def _due(self):
        if time.monotonic() - self.refreshed >= 10:
            self.refresh()

    @task(3)
    def arrive(self):
        self._due()
        visit = take("arrive")
        if visit is not None:
            self.page(
                "POST",
                f"/desk/visits/{visit}/arrive/",
                "desk arrival",
                data={"desk": self.desk},
                headers={**self.csrf(), "HX-Request": "true"},
            )

    @task(2)
    def depart(self):
        self._due()
        visit = take("depart")
        if visit is not None:
            self.page(
                "POST",
                f"/desk/visits/{visit}/depart/",
                "desk departure",
                data={"desk": self.desk},
                headers={**self.csrf(), "HX-Request": "true"},
            )

    @task(2)
    def search(self):
        """Search as you type: one request per key after the second letter."""
        self._due()
        word = TYPED[int(time.monotonic() * 1000) % len(TYPED)]
        for n in range(2, min(len(word), 6) + 1):
            self.page(
                "GET",
                f"/desk/visits/?desk={self.desk}&q={word[:n]}",
                "desk search",
                headers={"HX-Request": "true"},
            )
            time.sleep(0.15)

    @task(1)
    def scan(self):
        self._due()
        item = take("scan")
        if item is not None:
            self.page(
                "POST",
                "/desk/scan/",
                "desk scan",
                data={"code": item[1], "desk": self.desk},
                headers={**self.csrf(), "HX-Request": "true"},
            )

    @task(1)
    def badge(self):
        self._due()
        visit = take("badge")
        if visit is not None:
            self.page("GET", f"/api/v1/visits/{visit}/badge.pdf", "badge PDF")


class Kiosk(HttpUser):
    weight = 8
    wait_time = between(3, 8)

    def on_start(self):
        self.key = PLAN["kiosks"][id(self) % len(PLAN["kiosks"])]
        self.client.headers.update({"X-Forwarded-Proto": "https"})

    def _form(self):
        start = self.client.get(f"/kiosk/{self.key}/", name="kiosk start")
        for cookie in self.client.cookies:
            cookie.secure = False
        origin = "https://" + urlsplit(self.host).netloc
        token = TOKEN.search(start.content)
        return {"csrfmiddlewaretoken": token.group(1).decode() if token else ""}, {
            "Origin": origin,
            "Referer": f"{origin}/kiosk/{self.key}/",
        }

    def _post(self, name, data, headers, expect: bytes):
        with self.client.post(
            f"/kiosk/{self.key}/", data=data, headers=headers, name=name, catch_response=True
        ) as response:
            if response.status_code != 200 or expect not in response.content:
                response.failure(f"{response.status_code}: no {expect!r} in the page")

    @task(1)
    def by_name(self):
        item = take("kiosk_search")
        if item is None:
            return
        visit, last_name = item
        form, headers = self._form()
        self._post(
            "kiosk name search",
            {**form, "action": "search", "name": last_name},
            headers,
            f'value="{visit}"'.encode(),
        )
        form, headers = self._form()
        self._post(
            "kiosk arrival", {**form, "action": "confirm", "visit": visit}, headers, b"data-restart-url"
        )

    @task(1)
    def by_code(self):
        item = take("kiosk_scan")
        if item is None:
            return
        form, headers = self._form()
        self._post(
            "kiosk QR arrival", {**form, "action": "scan", "code": item[1]}, headers, b"data-restart-url"
        )


class Host(HttpUser):
    weight = 8
    wait_time = between(5, 15)

    def on_start(self):
        key = PLAN["host_keys"][id(self) % len(PLAN["host_keys"])]
        self.client.headers.update({"Authorization": f"Token {key}", "X-Forwarded-Proto": "https"})
        self.n = 0

    @task
    def pre_register(self):
        self.n += 1
        stamp = f"{id(self) % 100000}-{self.n}"
        body = {
            "site": PLAN["hq"],
            "visit_type": PLAN["visit_type"],
            "expected_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600)),
            "visitor": {
                "first_name": "Invité",
                "last_name": f"Bench {stamp}",
                "email": f"g{stamp}@example.test",
            },
        }
        with self.client.post(
            "/api/v1/visits/", json=body, name="host pre-registration", catch_response=True
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]!r}")


class Security(Browser):
    weight = 2
    wait_time = constant(30)

    def on_start(self):
        super().on_start()
        self.login(take("security") or PLAN["security"][0])

    @task
    def roll_call(self):
        self.page("GET", f"/on-site/{PLAN['hq']}/", "roll call")


class Background(HttpUser):
    """An admin's export of the visits every minute, and one purge run, both
    Celery jobs the web server only queues and reports on."""

    weight = 2
    fixed_count = 2
    wait_time = constant(5)

    def on_start(self):
        self.client.headers.update(
            {"Authorization": f"Token {PLAN['admin_key']}", "X-Forwarded-Proto": "https"}
        )
        self.job = None
        self.kind = "purge" if PLAN.get("_purge_taken") else "export"
        PLAN["_purge_taken"] = True
        self.started = 0.0

    @task
    def step(self):
        if self.job is None:
            if self.kind == "export" and time.monotonic() - self.started < 60:
                return
            if self.kind == "purge" and self.started:
                return  # one purge per run
            self.started = time.monotonic()
            path, body = (
                ("/api/v1/exports/", {"dataset": "visits"})
                if self.kind == "export"
                else ("/api/v1/purge-runs/", {})
            )
            response = self.client.post(path, json=body, name=f"{self.kind} start")
            self.job = response.json().get("id") if response.status_code in (200, 201, 202) else None
            return
        path = "/api/v1/exports/" if self.kind == "export" else "/api/v1/purge-runs/"
        response = self.client.get(f"{path}{self.job}/", name=f"{self.kind} poll")
        state = response.json().get("status") if response.ok else "failed"
        if state not in ("queued", "running", "pending"):
            self.job = None
