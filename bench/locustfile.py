"""Locust scenario of the deadline burst; bench/burst.py runs it (not meant to be run alone).

BURST_PLAN names a JSON file written by bench.burst.run(): the prepared accounts with
their URLs, the measured duration, the think time, the iteration bound and where to write
the samples; BURST_PASSWORD is the accounts' password. Each locust user takes one account,
signs in (warm-up), waits until every user has signed in, then repeats edit page → save
draft → detail page until the duration is over, and submits once at the deadline. When
every user is done, locust stops and the samples are written for run() to summarise.
"""

import itertools
import json
import os
import random
import re
import time
from html import unescape
from pathlib import Path

import gevent
from gevent.event import Event
from locust import HttpUser, constant, events, task
from locust.exception import StopUser

from bench.burst import edit_fields

PLAN = json.loads(Path(os.environ["BURST_PLAN"]).read_text())
PASSWORD = os.environ["BURST_PASSWORD"]
ACCOUNTS = PLAN["accounts"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SUBMITTED = 'status-badge">已提交<'

_accounts = itertools.count()
_state = {"signed_in": 0, "done": 0, "start": None, "deadline": None}
_everyone_in = Event()
_samples: list = []


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    start = kwargs.get("start_time") or time.time() - response_time / 1000
    error = "" if exception is None else str(exception)[:200]
    _samples.append([name, start, response_time, exception is None, error])


@events.quitting.add_listener
def _write(environment, **kwargs):
    Path(PLAN["samples"]).write_text(
        json.dumps({"samples": _samples, "start": _state["start"], "users": len(ACCOUNTS)})
    )


class Officer(HttpUser):
    wait_time = constant(0)

    def on_start(self):
        index = next(_accounts)
        if index >= len(ACCOUNTS):
            raise StopUser
        self.account = ACCOUNTS[index]
        self.saves = 0
        try:
            self.sign_in()
        finally:
            _state["signed_in"] += 1
            if _state["signed_in"] >= len(ACCOUNTS):
                _state["start"] = time.time()
                _state["deadline"] = _state["start"] + PLAN["duration"]
                _everyone_in.set()
        if not _everyone_in.wait(timeout=600) and _state["deadline"] is None:
            _state["deadline"] = time.time() + PLAN["duration"]

    def sign_in(self):
        login = PLAN["login"]
        page = self.client.get(login, name="login (warm-up)")
        token = CSRF.search(page.text or "")
        with self.client.post(
            login,
            data={
                "username": self.account["username"],
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": self.host + login},
            allow_redirects=False,
            name="login (warm-up)",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"登录失败：HTTP {response.status_code}")
                self.finish()

    def think(self):
        # Random around the mean, so that the users do not click in step.
        if PLAN["think"]:
            gevent.sleep(random.uniform(0, 2 * PLAN["think"]))

    def check(self, response, expected: int = 200) -> bool:
        if response.status_code != expected:
            response.failure(f"HTTP {response.status_code}")
            return False
        return True

    @task
    def deadline_day(self):
        account = self.account
        self.think()  # with think time, users also start apart (they signed in together)
        while time.time() < _state["deadline"] and self.saves < PLAN["max_iterations"]:
            self.save_once(account)
        self.submit(account)
        self.finish()

    def save_once(self, account):
        with self.client.get(account["edit"], name="edit page", catch_response=True) as page:
            if not self.check(page):
                return
            fields = edit_fields(page.text)
            names = {name for name, _value in fields}
            if not {"csrfmiddlewaretoken", "summary", "version"} <= names:
                page.failure("编辑页没有申报表单")
                return
        self.think()
        self.saves += 1
        marker = f"{PLAN['marker']}{self.saves}次保存，{account['username']}）"
        data = [
            (name, value.split(PLAN["marker"])[0] + marker if name == "summary" else value)
            for name, value in fields
        ]
        data.append(("next", "edit"))
        with self.client.post(
            account["edit"],
            data=data,
            headers={"Referer": self.host + account["edit"]},
            allow_redirects=False,
            name="save draft",
            catch_response=True,
        ) as saved:
            if saved.status_code == 200:
                saved.failure("保存未生效：返回了带错误提示的表单")
                return
            if not self.check(saved, 302):
                return
            if not saved.headers.get("Location", "").endswith(account["edit"]):
                saved.failure(f"保存后跳转到了 {saved.headers.get('Location')}")
                return
        self.think()
        with self.client.get(account["detail"], name="detail page", catch_response=True) as page:
            if self.check(page) and marker not in unescape(page.text):
                page.failure("详情页没有显示刚保存的内容")
        self.think()

    def submit(self, account):
        page = self.client.get(account["detail"], name="detail page")
        token = CSRF.search(page.text or "")
        with self.client.post(
            account["submit"],
            data={"csrfmiddlewaretoken": token.group(1) if token else ""},
            headers={"Referer": self.host + account["detail"]},
            allow_redirects=False,
            name="submit",
            catch_response=True,
        ) as submitted:
            if not self.check(submitted, 302):
                return
            after = self.client.get(account["detail"], name="detail after submit")
            if SUBMITTED not in (after.text or ""):
                submitted.failure("提交未生效：详情页状态不是“已提交”")

    def finish(self):
        _state["done"] += 1
        if _state["done"] >= len(ACCOUNTS):
            gevent.spawn(self.environment.runner.quit)
        raise StopUser
