"""What one request of the remote-help bench costs, in process (no HTTP server, no client threads):
an agent's ICE signal POST, the caller's poll that returns it, and a queued caller's poll that finds
nothing (wait=0), each through the WSGI handler with the app's whole middleware stack, the server's
settings as bench/remote_load.py starts them, and CSRF enforced as for a browser. And `signal`, what
one signal costs the server as the load bench delivers it: the caller's long-poll already asleep (a
thread), the agent's POST, the long-poll woken and answering it, with the process's live threads
(Redis subscriber, database watcher) counted (the CPU of the whole process over the round).

    .venv/bin/python bench/remote_request.py                                 # SQLite, N=500 rounds
    .venv/bin/python bench/remote_request.py --database-url postgres://postgres@127.0.0.1:5432/bangban_remote_req \\
        --redis-url redis://127.0.0.1:6379/12
    … --profile post|poll|queued     # cProfile (CPU time) of that request: top functions, own and cumulative
    … --reuse                        # the database as the previous run left it

The database is dropped and created again (200 queued calls, 20 agents, one session answered).
Prints the mean wall and CPU time of each request (the test client's own work included, about the
same for every request; the database server's CPU is not in it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KINDS = ("post", "poll", "queued", "signal")
WARMUP = 30


def setup(url: str, redis: str, fresh: bool):
    from bench import remote_load
    from bench.remote_load import fresh_database, prepare

    def environment(url, redis):
        # The agent only posts here (its own poll is not in the round): under valgrind a run lasts
        # minutes, and the caller's poll would otherwise return the call as the agent's gone silent.
        return remote_load.environment(url, redis) | {"BANGBAN_REMOTE_STALE_SECONDS": "36000"}

    if fresh:
        fresh_database(url)
        tokens, cookies = prepare(environment(url, redis), 200, 20)
    else:
        os.environ.update(environment(url, redis))
        os.environ["DJANGO_SETTINGS_MODULE"] = "bangban.settings"
        import django

        django.setup()
        from bangban.remote.models import HelpCall

        tokens = list(HelpCall.objects.order_by("pk").values_list("caller_token", flat=True))
        cookies = None
    return tokens, cookies


def clients(tokens: list[str]):
    """The agent (signed in, in a session with a caller), that caller, and a queued caller."""
    from django.test import Client

    from bangban.accounts.models import User
    from bangban.remote import services
    from bangban.remote.models import CallStatus, HelpCall

    agent_user = User.objects.get(username="bench_agent0")
    call = HelpCall.objects.filter(agent=agent_user, status=CallStatus.ANSWERED).first()
    if call is None:
        call = services.call_next(by=agent_user)
    agent = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    agent.force_login(agent_user)
    html = agent.get(f"/remote/calls/{call.pk}/").content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    caller = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    queued_token = next(
        t for t in tokens if HelpCall.objects.filter(caller_token=t, status=CallStatus.QUEUED).exists()
    )
    return agent, csrf, call, caller, queued_token


class Round:
    """One round: the agent posts a signal, its caller's poll returns it, a queued caller polls."""

    def __init__(self, agent, csrf, call, caller, queued_token):
        self.agent, self.csrf, self.call, self.caller = agent, csrf, call, caller
        self.post_url = f"/remote/calls/{call.pk}/post"
        self.poll_url = f"/remote/c/{call.caller_token}/events"
        self.queued_url = f"/remote/c/{queued_token}/events"
        self.n = 0
        self.after = call.last_seq
        self.poller = None

    def post(self):
        self.n += 1
        body = {
            "kind": "ice",
            "body": {"candidate": {"candidate": f"candidate:{self.n} 1 udp 1 127.0.0.1 9 typ host"}},
        }
        r = self.agent.post(
            self.post_url, json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=self.csrf
        )
        assert r.status_code == 200, r.content

    def poll(self):
        r = self.caller.get(self.poll_url, {"after": self.after, "wait": "0"})
        events = r.json()["events"]
        assert events, r.content
        self.after = events[-1]["seq"]

    def signal(self):
        from bangban.remote import live

        if self.poller is None:
            self.poller = _Poller()
        self.poller.start(self.caller, self.poll_url, self.after)
        while self.poller.busy() and not live.waiting_calls():  # registered: let it fall asleep
            time.sleep(0.0005)
        time.sleep(0.002)
        self.post()
        response = self.poller.result()
        events = response.json()["events"]
        assert events, response.content
        self.after = events[-1]["seq"]

    def queued(self):
        r = self.caller.get(self.queued_url, {"after": 10**9, "wait": "0"})
        assert r.status_code == 200 and r.json()["status"]["status"] == "queued", r.content


class _Poller:
    """One long-lived thread that runs the caller's long-polls, as an app server's thread pool does
    (a thread, and its database connection, outlive a request); a request ends as the server ends it
    (close_old_connections: the pool gets its connection back, SQLite keeps it while CONN_MAX_AGE)."""

    def __init__(self):
        import queue
        import threading

        self.todo, self.done = queue.Queue(), queue.Queue()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self._busy = False

    def _run(self):
        from django.db import close_old_connections

        while True:
            client, url, after = self.todo.get()
            try:
                self.done.put(client.get(url, {"after": after}))
            except Exception as exc:
                self.done.put(exc)
            finally:
                close_old_connections()

    def start(self, client, url, after):
        self._busy = True
        self.todo.put((client, url, after))

    def busy(self) -> bool:
        return self._busy and self.done.empty()

    def result(self):
        response = self.done.get(timeout=60)
        self._busy = False
        if isinstance(response, Exception):
            raise response
        return response


def measure(rounds: Round, n: int) -> None:
    for _ in range(WARMUP):
        rounds.post(), rounds.poll(), rounds.queued()
    for kind in KINDS:
        step = getattr(rounds, kind)
        wall, cpu = 0.0, 0.0
        for _ in range(n):
            if kind == "poll":
                rounds.post()  # something to return, outside the measured time
            w, c = time.perf_counter(), time.process_time()
            step()
            wall += time.perf_counter() - w
            cpu += time.process_time() - c
        print(f"{kind:7s} wall {1000 * wall / n:6.2f} ms, CPU {1000 * cpu / n:6.2f} ms a request ({n})")


def profile(rounds: Round, kind: str, n: int) -> None:
    import cProfile
    import pstats

    for _ in range(WARMUP):
        rounds.post(), rounds.poll(), rounds.queued()
    prof = cProfile.Profile(time.process_time)  # CPU, not the wait on the database
    for _ in range(n):
        if kind == "poll":
            rounds.post()
        prof.enable()
        getattr(rounds, kind)()
        prof.disable()
    stats = pstats.Stats(prof)
    stats.sort_stats("tottime").print_stats(40)
    stats.sort_stats("cumulative").print_stats(60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument(
        "--database-url", default=f"sqlite:///{ROOT / 'var' / 'bench_remote_request.sqlite3'}"
    )
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--profile", choices=KINDS)
    parser.add_argument("--reuse", action="store_true", help="the database as a previous run left it")
    args = parser.parse_args()
    tokens, _ = setup(args.database_url, args.redis_url, fresh=not args.reuse)
    rounds = Round(*clients(tokens))
    if args.profile:
        profile(rounds, args.profile, args.n)
        return
    measure(rounds, args.n)


if __name__ == "__main__":
    main()
