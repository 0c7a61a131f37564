"""Load benchmark of key projects (issue 13): N projects × 60 items on PostgreSQL, 16 clients, HTTP.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangban_projects_bench REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/projects_load.py [--projects 2000] [--duration 20] [--clients 16] [--workers 2] [--reuse]

What it does, printing each figure:
1. (Re)creates the bench database, migrates it, loads the demo organization (manage.py load_demo) and
   generates N projects in the county centre, each with the 6 stages of the template and 10 items a
   stage (60 items), chained within a stage, in a reproducible mix: finished stages, a running stage
   with items on time, close to their due date or late, and pending stages ahead (generate()).
2. Times the two reads alone in this process (no HTTP): the wall data for the whole county and the
   Gantt data of one project.
3. Starts the app server as production runs it (granian, bench/settings.py), logs in as the county
   centre administrator (zhongxin, who sees every project) and runs wrk at 1 client and at --clients
   against: the wall view's polled panel (/projects/wall/panel/), the wall API (/api/v1/projects/wall/)
   and the Gantt data of random projects (/projects/<id>/gantt.json).
Target (issue 13, 2,000 projects × 60 items, 16 clients): wall view and Gantt data p50 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import cases_load as cl  # noqa: E402  (after the path: run as a script)

ADMIN = "zhongxin"
STAGES = ["立项", "用地", "规划", "施工许可", "竣工验收", "公用设施接入"]
ITEMS_PER_STAGE = 10
LIMITS = [3, 5, 7, 10, 15]


def generate(n: int, *, seed: int = 13, log=print) -> int:
    """N projects × 60 items with stage and item dates consistent with their status (bulk inserts)."""
    from django.db import transaction
    from django.utils import timezone

    from bangban.accounts.models import User
    from bangban.core import crypto
    from bangban.org.models import Department
    from bangban.projects.models import Project, ProjectItem, ProjectStage
    from bangban.workdays.selectors import get_calendar
    from bench.generate import credit_code

    rng = random.Random(seed)
    cal = get_calendar()
    today = timezone.localdate()
    admin = User.objects.get(username=ADMIN)
    institution = admin.institution
    departments = list(Department.objects.filter(institution=institution))
    phone = crypto.phone_columns("13912345678")
    made = 0
    for batch in range(0, n, 200):
        with transaction.atomic():
            projects = Project.objects.bulk_create(
                [
                    Project(
                        number=f"XMBENCH{i:06d}",
                        name=f"重点项目{i:05d}",
                        project_type="industrial",
                        level=rng.choice(["provincial", "municipal", "investment", "other"]),
                        investor_name=f"投资企业{i:05d}有限公司",
                        investor_credit_code=credit_code(i + 1),
                        investment=rng.randint(1000, 500000),
                        division=institution.division,
                        institution=institution,
                        lead_agent=admin,
                        coordinator=admin,
                        contact_name="联系人",
                        entrustment_scope="全流程代办",
                        entrustment_start=today - dt.timedelta(days=400),
                        entrustment_end=today + dt.timedelta(days=400),
                        created_by=admin,
                        **phone,
                    )
                    for i in range(batch, min(n, batch + 200))
                ]
            )
            stages, items = [], []
            for p in projects:
                current = rng.randint(0, len(STAGES))  # stages before it are done; len = all done
                day = today - dt.timedelta(days=rng.randint(30, 300))
                for order, name in enumerate(STAGES, 1):
                    stage = ProjectStage(project=p, order=order, name=name)
                    stages.append(stage)
                    stage_start = day
                    for k in range(ITEMS_PER_STAGE):
                        limit = rng.choice(LIMITS)
                        planned_end = cal.add_workdays(day, limit)
                        item = ProjectItem(
                            project=p,
                            stage=stage,
                            order=k + 1,
                            name=f"{name}事项{k + 1}",
                            department=rng.choice(departments) if departments else None,
                            limit_workdays=limit,
                            planned_start=day,
                            planned_end=planned_end,
                        )
                        if order - 1 < current:  # a finished stage
                            item.status, item.actual_start = "done", day
                            item.actual_end = item.due = planned_end
                        elif order - 1 == current:  # the running stage: on time, close or late
                            late = rng.random() < 0.2
                            started = today - dt.timedelta(
                                days=rng.randint(limit + 10, limit + 30) if late else rng.randint(0, 3)
                            )
                            item.status, item.actual_start = "running", started
                            item.due = cal.add_workdays(started, limit)
                        items.append(item)
                        day = planned_end if k % 3 == 2 else day  # three parallel items, then the next three
                    if order - 1 < current:
                        stage.actual_start, stage.actual_end = stage_start, day
                    elif order - 1 == current:
                        stage.actual_start = stage_start
                    stage.planned_start, stage.planned_end = stage_start, day
            ProjectStage.objects.bulk_create(stages)
            for item in items:
                item.stage_id = item.stage.pk
            ProjectItem.objects.bulk_create(items, batch_size=2000)
            through = ProjectItem.depends_on.through
            edges = []
            for i in range(0, len(items), ITEMS_PER_STAGE * len(STAGES)):
                chunk = items[i : i + ITEMS_PER_STAGE * len(STAGES)]
                for k in range(3, len(chunk)):
                    edges.append(
                        through(
                            from_projectitem_id=chunk[k].pk, to_projectitem_id=chunk[k - 3 + (2 - k % 3)].pk
                        )
                    )
            through.objects.bulk_create(edges, batch_size=5000, ignore_conflicts=True)
        made += len(projects)
        log(f"  {made:,} projects")
    return made


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=2000)
    cl.add_common_arguments(parser)
    args = parser.parse_args()
    url, redis, env = cl.bench_environment("", "redis://127.0.0.1:6379/12")
    cl.prepare_database(url, env, reuse=args.reuse)
    from django.db import connections

    from bangban.accounts.models import User
    from bangban.projects import selectors
    from bangban.projects.models import Project, ProjectItem

    if not args.reuse:
        print(f"generating {args.projects:,} projects × {ITEMS_PER_STAGE * len(STAGES)} items:")
        started = time.perf_counter()
        generate(args.projects)
        print(f"generated in {time.perf_counter() - started:.0f} s")
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "ANALYZE projects_project, projects_projectstage, projects_projectitem, projects_projectitem_depends_on"
            )
    ids = list(Project.objects.values_list("id", flat=True))
    sizes = f"{len(ids):,} projects, {ProjectItem.objects.count():,} items"
    admin = User.objects.get(username=ADMIN)

    def timed(fn, n=5):
        runs = []
        for _ in range(n):
            started = time.perf_counter()
            fn()
            runs.append((time.perf_counter() - started) * 1000)
        return statistics.median(runs)

    wall_ms = timed(lambda: selectors.wall_board(user=admin))  # the board itself, not its cached copy
    gantt_ms = timed(lambda: selectors.gantt_data(Project.objects.get(pk=random.choice(ids))), 20)
    print(f"in process (no HTTP): wall data {wall_ms:.1f} ms, Gantt data {gantt_ms:.1f} ms (median)")
    connections.close_all()

    server = cl.start_server(env, workers=args.workers)
    try:
        from bangban.org.demo import DEMO_PASSWORD

        cookie = {"Cookie": cl.login(ADMIN, DEMO_PASSWORD)}
        rng = random.Random(1)
        gantt_paths = [f"/projects/{rng.choice(ids)}/gantt.json" for _ in range(200)]
        chosen = [
            cl.Target(
                "wall",
                "/projects/wall/panel/ (挂图作战, every project)",
                ["/projects/wall/panel/"],
                cookie,
                "page",
            ),
            cl.Target("wall-api", "GET /api/v1/projects/wall/", ["/api/v1/projects/wall/"], cookie, "page"),
            cl.Target("gantt", "/projects/<id>/gantt.json (random project)", gantt_paths, cookie, "page"),
        ]
        load_before = f"{os.getloadavg()[0]:.2f}"
        for t in chosen:
            print(cl.preflight(t))
        for t in chosen:
            cl.measure(t, args.clients, args.duration)
            many = t.results["many"]
            print(f"  {t.name}: {many['rps']:.0f} req/s, p50 {cl._ms(many['p50'])}", flush=True)
    finally:
        cl.stop(server)
    print()
    print(
        f"command: DATABASE_URL={url} REDIS_URL={redis} python bench/projects_load.py {' '.join(sys.argv[1:])}"
    )
    print(
        f"machine: {os.cpu_count()} CPUs; load average {load_before} before the runs, {os.getloadavg()[0]:.2f} after"
    )
    print(f"{sizes}; granian, {args.workers} workers; wrk {args.duration} s per run (goal: p50 ≤ 50 ms)")
    lines = [
        f"| target | 1 client p50 | {args.clients} clients p50 | p99 | req/s | non-2xx | p50 ≤ 50 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in chosen:
        one, many = t.results["single"], t.results["many"]
        ok = not many["non2xx"] and many["p50"] is not None and many["p50"] <= 50
        lines.append(
            f"| {t.label} | {cl._ms(one['p50'])} | {cl._ms(many['p50'])} | {cl._ms(many['p99'])} "
            f"| {many['rps']:.0f} | {one['non2xx'] + many['non2xx']} | {'yes' if ok else 'NO'} |"
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
