"""The load run's users (locust, started headless by load/__main__.py):

- Learner: one seeded caregiver's session on one of the two web processes; opens a lesson
  (which gives the CSRF token), beats every LEARNING_HEARTBEAT_SECONDS as the lesson page's
  script does, moves to the next lesson once this one is credited, and looks at /learning/
  now and then;
- ApiClient: the province regulator's key asking a learner's compliance and verifying a
  certificate code;
- Visitor: the public /verify/<code>/ page.

Every request (its type, start, duration, status) and every heartbeat answer (the active time
and credit the server acknowledged) is written to LOAD_RECORD (JSON) when the run stops, for
the checks in load/checks.py."""

import itertools
import json
import os
import random
import time
import uuid

from locust import HttpUser, between, constant_pacing, events, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115
HOSTS = os.environ["LOAD_HOSTS"].split(",")
RECORD = os.environ["LOAD_RECORD"]
INTERVAL = PLAN["heartbeat_seconds"]
LEARNERS = PLAN["learners"]

_requests: list[dict] = []
_beats: list[dict] = []
_learner_slots = itertools.count()
_host_slots = itertools.count()


@events.request.add_listener
def _on_request(request_type, name, response_time, response, exception, start_time=None, **kw):
    status = getattr(response, "status_code", 0) or 0
    _requests.append(
        {
            "name": name,
            "start": start_time,
            "ms": response_time,
            "status": status,
            "error": type(exception).__name__ if exception is not None else "",
        }
    )


@events.test_stop.add_listener
def _write_record(environment, **kw):
    with open(RECORD, "w", encoding="utf-8") as out:
        json.dump({"requests": _requests, "beats": _beats}, out)


class _OnOneHost(HttpUser):
    abstract = True
    host = HOSTS[0]

    def on_start(self):
        # Users are spread over the web processes in turn, as a load balancer would.
        self.client.base_url = HOSTS[next(_host_slots) % len(HOSTS)]


class Learner(_OnOneHost):
    weight = 0
    fixed_count = int(os.environ.get("LOAD_LEARNERS", "40"))
    wait_time = constant_pacing(INTERVAL)

    def on_start(self):
        super().on_start()
        self.me = LEARNERS[next(_learner_slots) % len(LEARNERS)]
        self.client.cookies.set(PLAN["session_cookie"], self.me["session"])
        self.lesson_no = random.randrange(len(PLAN["lessons"]))  # noqa: S311 - load mix
        self.csrf = ""
        self.beats = 0
        self.done = 0
        self._open_lesson()

    def _open_lesson(self) -> None:
        lesson = PLAN["lessons"][self.lesson_no]
        self.tab = uuid.uuid4().hex
        self.start = True
        with self.client.get(lesson["url"], name="lesson_page", catch_response=True) as r:
            token = self.client.cookies.get(PLAN["csrf_cookie"])
            if r.status_code == 200 and token:
                self.csrf = token
                r.success()
            elif r.status_code == 200:
                r.failure("no CSRF cookie on the lesson page")

    @task
    def beat(self):
        if not self.csrf:
            self._open_lesson()
            return
        lesson = PLAN["lessons"][self.lesson_no]
        sent = time.time()
        with self.client.post(
            f"/learning/lessons/{lesson['id']}/beat/",
            data=json.dumps({"tab": self.tab, "start": self.start}),
            headers={"Content-Type": "application/json", "X-CSRFToken": self.csrf},
            name="heartbeat",
            catch_response=True,
        ) as r:
            record = {
                "person": self.me["person"],
                "lesson": lesson["id"],
                "sent": sent,
                "received": time.time(),
                "status": r.status_code,
            }
            if r.status_code == 200:
                try:
                    data = r.json()
                except ValueError:
                    r.failure("heartbeat answer is not JSON")
                    data = {}
                record.update(
                    active=bool(data.get("active")),
                    active_seconds=data.get("active_seconds"),
                    credited_hours=data.get("credited_hours"),
                )
                self.start = False
            _beats.append(record)
        self.beats += 1
        if r.status_code == 200 and record.get("active") and self._lesson_done(record):
            # Credited in full: on to the next lesson, as a learner would (and stay on the
            # last one once all are done).
            self.done += 1
            if self.done < len(PLAN["lessons"]):
                self.lesson_no = (self.lesson_no + 1) % len(PLAN["lessons"])
                self._open_lesson()
        elif self.beats % 6 == 0:
            self.client.get("/learning/", name="learning_page")

    @staticmethod
    def _lesson_done(record: dict) -> bool:
        try:
            return float(record["credited_hours"]) >= float(PLAN["lesson_hours"])
        except (TypeError, ValueError, KeyError):
            return False


class ApiClient(_OnOneHost):
    weight = 0
    fixed_count = int(os.environ.get("LOAD_API_CLIENTS", "6"))
    wait_time = between(0.5, 1.5)

    def on_start(self):
        super().on_start()
        self.client.headers["Authorization"] = f"Bearer {PLAN['api_key']}"

    @task(2)
    def compliance(self):
        person = random.choice(LEARNERS)["person"]  # noqa: S311 - load mix
        self.client.get(f"/api/v1/persons/{person}/compliance", name="api_compliance")

    @task(1)
    def verify(self):
        code = random.choice(LEARNERS)["code"]  # noqa: S311 - load mix
        self.client.get(f"/api/v1/certificates/verify/{code}", name="api_verify")


class Visitor(_OnOneHost):
    weight = 0
    fixed_count = int(os.environ.get("LOAD_VISITORS", "6"))
    wait_time = between(1, 3)

    @task
    def verify_page(self):
        code = random.choice(LEARNERS)["code"]  # noqa: S311 - load mix
        self.client.get(f"/verify/{code}/", name="verify_page")
