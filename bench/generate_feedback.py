"""The indicator benchmark's other records: reviews (with their rectifications and 回访) and complaints
on PostgreSQL, written with COPY in batches, after bench/generate.py has written the cases.

    generate_feedback(url, reviews=1_000_000, complaints=100_000)

- reviews: levels 非常满意 70 %, 满意 18 %, 基本满意 7 %, 不满意 3 %, 非常不满意 2 %; up to three per
  completed case (one per channel: 短信邀评, 评价器, 二维码 — the first-review rule allows one each),
  real name, a few hours after completion; the rest 现场服务 encounters of a random agent (anonymous),
  spread over the last two years;
- each bad review its rectification (谁办理谁负责: the review's institution and agent), due 7 days
  later, 85 % rectified (one in ten of them after the limit), the rest still open; each real-name
  bad review one logged 回访 in nine out of ten;
- complaints against a random agent over the last two years, 5 % refused, the recent ones still
  running, the others answered (one in eight after answer_due).
Ids are assigned here (after the tables' current maximum) and the sequences moved past them.
Only the raw rows: the benchmark rebuilds the counters from them with facts_recompute.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from zoneinfo import ZoneInfo

BATCH = 50_000
SH = ZoneInfo("Asia/Shanghai")
LEVELS = (5,) * 70 + (4,) * 18 + (3,) * 7 + (2,) * 3 + (1,) * 2
REVIEW_COLUMNS = ("id", "level", "aspects", "comment", "stage", "channel", "real_name", "case_id",
                  "institution_id", "agent_id", "created_at")  # fmt: skip
RECT_COLUMNS = ("id", "review_id", "institution_id", "agent_id", "status", "version", "limit_days", "due_date",
                "finding", "finding_note", "action_taken", "rectified_on", "feedback_text", "closed_at",
                "created_at")  # fmt: skip
REVISIT_COLUMNS = ("rectification_id", "called_at", "by_id", "reached", "said", "logged_at")
COMPLAINT_COLUMNS = ("id", "number", "channel", "hotline_ticket", "anonymous", "complainant_name",
                     "phone_encrypted", "phone_hash", "phone_masked", "content", "agent_id", "institution_id",
                     "received_at", "status", "version", "answer_due", "accepted_on", "answered_on", "answer",
                     "rejection_reason", "created_by_id", "updated_at")  # fmt: skip


def _copy(cur, table: str, columns: tuple[str, ...], rows: list) -> None:
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


class _Batched:
    """Rows buffered and written with COPY every BATCH rows (memory stays flat at 1M)."""

    def __init__(self, cur, table: str, columns: tuple[str, ...]):
        self.cur, self.table, self.columns, self.rows, self.count = cur, table, columns, [], 0

    def add(self, row) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            _copy(self.cur, self.table, self.columns, self.rows)
            self.count += len(self.rows)
            self.rows = []


def _next_id(cur, table: str) -> int:
    cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608  (a constant table name)
    return cur.fetchone()[0]


def _move_sequence(cur, table: str) -> None:
    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608


def generate_feedback(
    url: str, *, reviews: int, complaints: int, seed: int = 11, log=print
) -> dict[str, float]:
    import psycopg

    rng = random.Random(seed)
    now = dt.datetime.now(tz=SH)
    span = 730 * 86_400  # two years, in seconds
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=False) as conn, conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # consistent by construction: no FK checks
        cur.execute("SET synchronous_commit = off")
        cur.execute(
            "SELECT u.id, u.institution_id FROM accounts_user u JOIN accounts_roleassignment r "
            "ON r.user_id = u.id AND r.role = 'agent' WHERE u.institution_id IS NOT NULL ORDER BY u.id"
        )
        agents = cur.fetchall()
        cur.execute(
            "SELECT id, institution_id, agent_id, finished_at FROM cases_case WHERE status = 'completed' "
            "AND agent_id IS NOT NULL AND finished_at IS NOT NULL ORDER BY id LIMIT %s",
            [reviews],
        )
        cases = cur.fetchall()
        review_id, rect_id = _next_id(cur, "evaluations_review"), _next_id(cur, "evaluations_rectification")
        out_reviews = _Batched(cur, "evaluations_review", REVIEW_COLUMNS)
        out_rects = _Batched(cur, "evaluations_rectification", RECT_COLUMNS)
        out_visits = _Batched(cur, "evaluations_revisit", REVISIT_COLUMNS)
        channels = ("sms", "device", "qr")
        for k in range(reviews):
            level = rng.choice(LEVELS)
            if cases and k < 3 * len(cases):
                case_id, institution_id, agent_id, finished = cases[k % len(cases)]
                at = min(now, finished + dt.timedelta(minutes=rng.randint(10, 72 * 60)))
                row = (review_id, level, "", "", "complete", channels[k // len(cases)], True, case_id,
                       institution_id, agent_id, at)  # fmt: skip
            else:
                agent_id, institution_id = rng.choice(agents)
                at = now - dt.timedelta(seconds=rng.randint(0, span))
                row = (
                    review_id,
                    level,
                    "",
                    "",
                    "encounter",
                    "device",
                    False,
                    None,
                    institution_id,
                    agent_id,
                    at,
                )
            out_reviews.add(row)
            if level <= 2:
                due = at.astimezone(SH).date() + dt.timedelta(days=7)
                done = rng.random() < 0.85
                rectified = (due + dt.timedelta(days=rng.randint(1, 5)) if rng.random() < 0.1 else due - dt.timedelta(days=rng.randint(0, 6))) if done else None  # fmt: skip
                out_rects.add(
                    (rect_id, review_id, row[8], row[9], "closed" if done else "pending", 0, 5, due,
                     "true" if done else "", "", "已整改" if done else "", rectified, "",
                     at + dt.timedelta(days=10) if done else None, at)
                )  # fmt: skip
                if row[6] and rng.random() < 0.9:
                    called = at + dt.timedelta(hours=rng.randint(1, 48))
                    out_visits.add((rect_id, called, row[9], True, "", called))
                rect_id += 1
            review_id += 1
        for out in (out_reviews, out_rects, out_visits):
            out.flush()
        for table in ("evaluations_review", "evaluations_rectification", "evaluations_revisit"):
            _move_sequence(cur, table)
        conn.commit()
        timings["reviews"] = time.perf_counter() - started
        log(f"  {out_reviews.count:,} reviews, {out_rects.count:,} rectifications, "
            f"{out_visits.count:,} 回访: {timings['reviews']:.1f} s")  # fmt: skip

        started = time.perf_counter()
        complaint_id = _next_id(cur, "complaints_complaint")
        out = _Batched(cur, "complaints_complaint", COMPLAINT_COLUMNS)
        for _ in range(complaints):
            agent_id, institution_id = rng.choice(agents)
            received = now - dt.timedelta(seconds=rng.randint(0, span))
            day = received.astimezone(SH).date()
            answer_due = day + dt.timedelta(days=18)  # 13 working days, about
            refused = rng.random() < 0.05
            running = not refused and answer_due > now.date() - dt.timedelta(days=3) and rng.random() < 0.7
            status = "rejected" if refused else "investigating" if running else "archived"
            answered = None if refused or running else answer_due + dt.timedelta(days=rng.randint(-12, 0) if rng.random() > 0.125 else rng.randint(1, 6))  # fmt: skip
            out.add(
                (complaint_id, f"TS{complaint_id:010d}", rng.choice(("window", "phone", "online", "hotline", "letter")),
                 "", True, "", "", "", "", "等候时间长", agent_id, institution_id, received, status, 0, answer_due,
                 None if refused else day + dt.timedelta(days=1), answered, "已答复" if answered else "",
                 "重复投诉" if refused else "", agent_id, received)
            )  # fmt: skip
            complaint_id += 1
        out.flush()
        _move_sequence(cur, "complaints_complaint")
        conn.commit()
        timings["complaints"] = time.perf_counter() - started
        log(f"  {out.count:,} complaints: {timings['complaints']:.1f} s")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) evaluations_review, evaluations_rectification, complaints_complaint")
    return timings
