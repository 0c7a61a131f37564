"""The benchmark's data: N cases on PostgreSQL shaped like a county's, with their timelines and audit rows.

Used by bench/cases_load.py (and by anyone who needs a big database: `generate(url, n)` after
`migrate` and `load_demo`). What it writes, for N cases:

- agents: one per ~2,500 cases (so ~1,000 open cases each; at least 50), spread over every institution;
- applicants: a pool of N/2 people and enterprises (a returning applicant has several cases), names
  drawn from the common surnames by their frequency (so a name-prefix search is as selective as at a
  real window), valid ID numbers (GB 11643) and credit codes (GB 32100), mobile numbers; the ID and
  phone numbers are encrypted and hashed by core.crypto with the keys of the server's environment,
  exactly as case_create stores them, so search by phone or ID number finds them;
- cases: 40 % open, statuses that each kind's workflow can reach, deadlines around today for running
  clocks (some overdue, some due soon); the measured agent `tongan.bangban` holds 7,500 of them
  (3,000 open + 4,500 closed; at most a fifth on small runs), every other agent an even share of the rest;
- per case: one item, a timeline event and an audit row for each step of its workflow (create,
  apply, accept, … : ~4.7 each, so the audit page searches ~4.7 million rows at 1M), rows inserted in
  time order as production appends them; 3 % of the cases came by an accepted transfer, 0.3 % of the
  open ones wait in a pending transfer, 5 % of those in progress have an open joint task with a
  department, each suspended case its open suspension (these have no timeline or audit rows of their own).

The generated audit rows are inserted already "sealed" with placeholder hashes (the chain head is
set past them, its last link computed for real), because sealing millions of rows through the
sealer would take many minutes and would run in the Celery worker during the measurements. The
sealer then seals what the benchmark's own requests write; `audit_verify` on a bench database
reports a break at the first generated row, by design.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

MEASURED_AGENT = "tongan.bangban"
MEASURED_SHARE = 7_500  # cases of the measured agent at 1M (40 % open: 3,000); fewer on small runs
CASES_PER_AGENT = 2_500

# Common surnames with their share in percent (approximately the 2020 census order): a name-prefix
# search for 王 finds ~7 % of a queue, 王秀 far fewer.
SURNAMES = (
    ("王", 7.1), ("李", 7.0), ("张", 6.7), ("刘", 5.4), ("陈", 4.5), ("杨", 3.1), ("黄", 2.5),
    ("赵", 2.4), ("吴", 2.0), ("周", 1.9), ("徐", 1.7), ("孙", 1.5), ("马", 1.5), ("朱", 1.3),
    ("胡", 1.3), ("郭", 1.2), ("何", 1.2), ("林", 1.1), ("高", 1.1), ("罗", 1.1), ("郑", 1.0),
    ("梁", 0.9), ("谢", 0.8), ("宋", 0.7), ("唐", 0.7), ("许", 0.7), ("韩", 0.6), ("冯", 0.6),
    ("邓", 0.6), ("曹", 0.6), ("彭", 0.6), ("曾", 0.6), ("肖", 0.6), ("田", 0.5), ("董", 0.5),
    ("袁", 0.5), ("潘", 0.5), ("于", 0.5), ("蒋", 0.5), ("蔡", 0.5), ("余", 0.5), ("杜", 0.4),
    ("叶", 0.4), ("程", 0.4), ("苏", 0.4), ("魏", 0.4), ("吕", 0.4), ("丁", 0.4), ("任", 0.4),
    ("沈", 0.4), ("顾", 0.3), ("陆", 0.3), ("钱", 0.3), ("范", 0.3), ("金", 0.3), ("欧阳", 0.05),
)  # fmt: skip
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国文红玉萍志忠春海燕林斌凤云鹏飞浩宇晨欣怡子涵梓轩雨婷佳琪思远"
COMPANY_WORDS = "恒通 华瑞 金桥 新城 东方 鑫源 宏达 天成 博远 嘉禾 苏高 狮山 浒关 枫桥 通安 镇湖 科创 智联 绿源 远景".split()
COMPANY_KINDS = "科技 贸易 机械 电子 建设 餐饮 物流 医疗器械 环保 信息技术".split()
ENTERPRISE_SHARE = 0.15


def resident_id(i: int) -> str:
    """A valid 18-digit ID number (GB 11643) for person i: born 1950–2003 in the county."""
    from bangban.core.ids import resident_id_check_char

    born = date(1950, 1, 1) + timedelta(days=(i * 7_919) % 19_700)
    first17 = f"320505{born:%Y%m%d}{i % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def credit_code(i: int) -> str:
    """A valid 统一社会信用代码 (GB 32100) for enterprise i (registered in the county)."""
    from bangban.core.ids import CREDIT_ALPHABET, credit_code_check_char

    body, n = "", i
    for _ in range(9):
        body, n = CREDIT_ALPHABET[n % 31] + body, n // 31
    first17 = "91320505" + body
    return first17 + credit_code_check_char(first17)


def mobile(i: int) -> str:
    """A distinct mobile number per i (138…, 159…, 186…, 199…)."""
    return ("138", "159", "186", "199")[i % 4] + f"{(i * 48_271) % 100_000_000:08d}"


def person_name(rng: random.Random) -> str:
    surnames, weights = zip(*SURNAMES, strict=True)
    surname = rng.choices(surnames, weights)[0]
    return surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))


def applicants(count: int, seed: int = 9):
    """The pool of applicants, plain values (no encryption), one at a time: reproducible from the seed."""
    rng = random.Random(seed)
    for i in range(1, count + 1):
        if rng.random() < ENTERPRISE_SHARE:
            name = f"苏州{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_KINDS)}有限公司"
            yield {"type": "enterprise", "name": name, "id_number": "", "credit_code": credit_code(i),
                   "contact": person_name(rng), "phone": mobile(i)}  # fmt: skip
        else:
            yield {"type": "person", "name": person_name(rng), "id_number": resident_id(i), "credit_code": "",
                   "contact": "", "phone": mobile(i)}  # fmt: skip


# Each kind's path through the workflow (cases/workflow.py): (action, status reached).
HELP_PATH = [
    ("create", "consulting"), ("apply", "applied"), ("accept", "accepted"), ("start", "in_progress"),
    ("complete", "completed"), ("archive", "archived"),
]  # fmt: skip
AGENCY_PATH = [
    ("create", "consulting"), ("analyse", "analysing"), ("entrust", "entrusted"), ("start", "in_progress"),
    ("complete", "completed"), ("archive", "archived"),
]  # fmt: skip
# Status mix per kind in percent: 40 % open. Buckets are taken in this order.
STATUS_MIX = {
    "help": [
        ("consulting", 3), ("applied", 2), ("accepted", 10), ("in_progress", 25),
        ("completed", 20), ("archived", 37), ("terminated", 3),
    ],
    "agency": [
        ("consulting", 3), ("analysing", 2), ("entrusted", 8), ("in_progress", 22), ("suspended", 5),
        ("completed", 20), ("archived", 37), ("terminated", 3),
    ],
}  # fmt: skip


def steps(kind: str, status: str) -> list[tuple[str, str, str]]:
    """The (action, from_status, to_status) steps that lead a new case of `kind` to `status`."""
    path = HELP_PATH if kind == "help" else AGENCY_PATH
    out, before = [], ""
    if status == "terminated":
        return [("create", "", "consulting"), ("terminate", "consulting", "terminated")]
    if status == "suspended":
        return [*steps(kind, "in_progress"), ("suspend", "in_progress", "suspended")]
    for action, reached in path:
        out.append((action, before, reached))
        before = reached
        if reached == status:
            return out
    raise ValueError(f"{kind} cannot reach {status}")


def mix_rows() -> list[tuple[str, int, int, str]]:
    """(kind, lower bucket, upper bucket, status): bucket b in [lower, upper) has that status."""
    rows = []
    for kind, mix in STATUS_MIX.items():
        lower = 0
        for status, share in mix:
            rows.append((kind, lower, lower + share, status))
            lower += share
        assert lower == 100, kind
    return rows


def step_rows() -> list[tuple[str, str, int, str, str, str]]:
    return [
        (kind, status, i, action, before, after)
        for kind, mix in STATUS_MIX.items()
        for status, _ in mix
        for i, (action, before, after) in enumerate(steps(kind, status), start=1)
    ]


def _copy(cur, table: str, columns: tuple[str, ...], rows) -> None:
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


AGENTS = """
WITH inst AS (SELECT array_agg(id ORDER BY id) AS ids FROM org_institution)
INSERT INTO accounts_user (password, is_superuser, username, full_name, phone, email, institution_id, is_active,
    is_staff, date_joined, must_change_password)
SELECT '!', false, 'bench.agent.' || g, '压测员' || g, '', '', inst.ids[1 + (g %% cardinality(inst.ids))], true,
    false, now(), false
FROM generate_series(1, %(n)s) AS g CROSS JOIN inst
"""
AGENT_ROLES = """
INSERT INTO accounts_roleassignment (user_id, role)
SELECT id, 'agent' FROM accounts_user WHERE username LIKE 'bench.agent.%%'
"""

# g numbers the cases 1..N; cases 1..T belong to the measured agent, the rest go round the other agents.
CASES = """
INSERT INTO cases_case (number, kind, mode, status, version, channel, priority_group, summary,
    applicant_type, applicant_name, applicant_id_encrypted, applicant_id_hash, applicant_id_masked,
    credit_code, contact_name, phone_encrypted, phone_hash, phone_masked, institution_id, agent_id,
    created_by_id, created_at, updated_at, accepted_on, promised_days, is_immediate, extension_days,
    due_date, clock_stopped, finished_at, result, termination_reason, tracking_token)
SELECT
    '320505-' || extract(year FROM c.created_at) || '-' || lpad(c.g::text, 7, '0'),
    c.kind, CASE c.kind WHEN 'agency' THEN 'agency' ELSE (ARRAY['guide','lead','assist'])[1 + c.g %% 3] END,
    c.status, 1, (ARRAY['window','window','window','phone','online'])[1 + c.g %% 5], '', '',
    p.type, p.name, p.id_enc, p.id_hash, p.id_masked, p.credit_code, p.contact, p.phone_enc, p.phone_hash,
    p.phone_masked, a.institution_id, a.agent_id, a.agent_id, c.created_at, c.created_at,
    CASE WHEN c.clock THEN c.created_at::date END, CASE WHEN c.clock THEN 5 END, false, 0,
    CASE WHEN c.status IN ('accepted','entrusted','in_progress','suspended') THEN current_date + (c.g %% 50) - 8
         WHEN c.clock THEN c.created_at::date + 7 END,
    c.status = 'suspended',
    CASE WHEN NOT c.open THEN c.created_at + interval '5 days' END,
    CASE WHEN c.status IN ('completed','archived') THEN '已办结' ELSE '' END,
    CASE WHEN c.status = 'terminated' THEN '申请人撤回申请' ELSE '' END,
    md5('bench-track-' || c.g)
FROM (
    SELECT g, k.kind, m.status,
        m.status IN ('consulting','applied','analysing','accepted','entrusted','in_progress','suspended') AS open,
        m.status NOT IN ('consulting','applied','analysing','terminated') AS clock,
        CASE WHEN m.status IN ('consulting','applied','analysing','accepted','entrusted','in_progress','suspended')
             THEN now() - make_interval(days => g %% 60, secs => (g * 7) %% 86400)
             ELSE now() - make_interval(days => 60 + g %% 660, secs => (g * 7) %% 86400) END AS created_at
    FROM generate_series(1, %(n)s) AS g
    CROSS JOIN LATERAL (SELECT CASE WHEN g %% 3 = 0 THEN 'agency' ELSE 'help' END AS kind) k
    JOIN bench_mix m ON m.kind = k.kind AND (g * 37) %% 100 >= m.lower AND (g * 37) %% 100 < m.upper
) c
JOIN bench_agent a ON a.slot = CASE WHEN c.g <= %(measured)s THEN 0
                                    ELSE 1 + c.g %% (SELECT count(*) - 1 FROM bench_agent) END
JOIN bench_people p ON p.id = 1 + (c.g * 7919::bigint) %% %(people)s
ORDER BY c.created_at
"""

ITEMS = """
WITH v AS (SELECT array_agg(id ORDER BY id) AS ids, array_agg(name ORDER BY id) AS names
           FROM catalog_itemversion WHERE state = 'published')
INSERT INTO cases_caseitem (case_id, item_version_id, name)
SELECT c.id, v.ids[1 + c.id %% cardinality(v.ids)], v.names[1 + c.id %% cardinality(v.ids)]
FROM cases_case c CROSS JOIN v WHERE c.id > %(after)s
"""

EVENTS = """
INSERT INTO cases_caseevent (case_id, type, at, actor_id, actor_name, institution_id, from_status, to_status,
    text, data)
SELECT c.id, 'transition', LEAST(now(), c.created_at + (s.i - 1) * interval '1 day'), c.agent_id, u.full_name,
    c.institution_id, s.before, s.after, s.label, '{}'::jsonb
FROM cases_case c
JOIN accounts_user u ON u.id = c.agent_id
JOIN bench_steps s ON s.kind = c.kind AND s.status = c.status
WHERE c.id > %(after)s
ORDER BY 3
"""

# 3 % of the cases came by an accepted transfer from another institution (which keeps following them);
# 0.3 % of the open ones wait for another institution to accept them (the 工作台's 待接收).
TRANSFERS = """
WITH inst AS (SELECT array_agg(id ORDER BY id) AS ids FROM org_institution)
INSERT INTO cases_transfer (case_id, from_institution_id, to_institution_id, reason, state, sent_by_id, sent_at,
    answered_by_id, answered_at, answer)
SELECT c.id, CASE WHEN c.pending THEN c.institution_id ELSE c.other END,
    CASE WHEN c.pending THEN c.other ELSE c.institution_id END, '属对方辖区事项，转请办理',
    CASE WHEN c.pending THEN 'pending' ELSE 'accepted' END, c.agent_id, c.created_at,
    CASE WHEN c.pending THEN NULL ELSE c.agent_id END,
    CASE WHEN c.pending THEN NULL ELSE c.created_at + interval '2 hours' END, ''
FROM (
    SELECT c.id, c.institution_id, c.agent_id, c.created_at,
        c.status IN ('consulting','applied','analysing','accepted','entrusted','in_progress','suspended')
            AND c.id %% 1000 < 3 AS pending,
        (SELECT x FROM unnest(inst.ids) x WHERE x <> c.institution_id
         ORDER BY x OFFSET c.id %% (cardinality(inst.ids) - 1) LIMIT 1) AS other
    FROM cases_case c CROSS JOIN inst
    WHERE c.id > %(after)s AND (c.id %% 100 < 3 OR (c.id %% 1000 < 3))
) c
WHERE c.pending OR c.id %% 100 < 3
"""

# 5 % of the running cases have a joint task (联办) open with one of the county's departments.
TASKS = """
WITH d AS (SELECT array_agg(id ORDER BY id) AS ids FROM org_department)
INSERT INTO cases_jointtask (case_id, department_id, description, due_date, state, result)
SELECT c.id, d.ids[1 + c.id %% cardinality(d.ids)], '请协助核查申请材料并出具意见', c.due_date, 'open', ''
FROM cases_case c CROSS JOIN d
WHERE c.id > %(after)s AND c.status = 'in_progress' AND c.id %% 20 = 0
"""

# Each suspended case has its open suspension.
SUSPENSIONS = """
INSERT INTO cases_suspension (case_id, reason, detail, suspended_on, suspended_by_id, workdays_left)
SELECT c.id, 'materials', '申请材料不齐，待补正', current_date - (c.id %% 10)::int, c.agent_id, 3
FROM cases_case c WHERE c.id > %(after)s AND c.status = 'suspended'
"""

# Ids and chain positions given explicitly, in time order (production appends in time order).
AUDIT = """
INSERT INTO audit_auditevent (id, at, actor_id, actor_name, institution_id, action, object_type, object_id,
    object_repr, changes, note, ip, user_agent, path, seal_seq, seal_hash)
SELECT %(first_id)s + r.n, r.at, r.actor_id, r.actor_name, r.institution_id, r.action, 'cases.case', r.case_id::text,
    r.repr, r.changes, '', r.ip::inet, 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', r.path,
    %(first_seq)s + r.n, md5('bench-seal-' || r.n) || md5('bench-seal-2-' || r.n)
FROM (
    SELECT row_number() OVER (ORDER BY at, case_id, i) - 1 AS n, *
    FROM (
        SELECT LEAST(now(), c.created_at + (s.i - 1) * interval '1 day') AS at, c.agent_id AS actor_id,
            u.full_name AS actor_name, c.institution_id, 'cases.case.' || s.action AS action, c.id AS case_id,
            s.i, c.number || ' ' || c.applicant_name AS repr,
            jsonb_build_object('status', jsonb_build_object('before', NULLIF(s.before, ''), 'after', s.after))
                AS changes,
            '10.' || (c.institution_id %% 250) || '.' || (c.agent_id %% 250) || '.' || (1 + c.id %% 250) AS ip,
            '/cases/' || c.id || '/act/' || s.action || '/' AS path
        FROM cases_case c
        JOIN accounts_user u ON u.id = c.agent_id
        JOIN bench_steps s ON s.kind = c.kind AND s.status = c.status
        WHERE c.id > %(after)s
    ) x
) r
ORDER BY r.n
"""


def _people_rows(pool):
    from bangban.core import crypto
    from bangban.core.ids import mask_id, mask_phone

    for i, p in enumerate(pool, start=1):
        yield (
            i, p["type"], p["name"], crypto.encrypt(p["id_number"]), crypto.lookup_hash(p["id_number"]),
            mask_id(p["id_number"]), p["credit_code"], p["contact"], crypto.encrypt(p["phone"]),
            crypto.lookup_hash(p["phone"]), mask_phone(p["phone"]),
        )  # fmt: skip


def _seal_head(cur, last_id: int) -> None:
    """Give the last generated row its real link and point the chain head at it (see the docstring)."""
    from bangban.audit import chain
    from bangban.audit.models import AuditEvent

    last = AuditEvent.objects.filter(pk=last_id).values(*chain.CHAIN_FIELDS, "seal_seq").get()
    cur.execute("SELECT seal_hash FROM audit_auditevent WHERE seal_seq = %s", [last["seal_seq"] - 1])
    prev = cur.fetchone()
    digest = chain.link_hash(chain.audit_key(), prev[0] if prev else chain.GENESIS, last, last["seal_seq"])
    cur.execute("UPDATE audit_auditevent SET seal_hash = %s WHERE id = %s", [digest, last_id])
    cur.execute(
        "INSERT INTO audit_auditchainhead (id, seq, hash, sealed_at) VALUES (1, %(seq)s, %(hash)s, now()) "
        "ON CONFLICT (id) DO UPDATE SET seq = %(seq)s, hash = %(hash)s, sealed_at = now()",
        {"seq": last["seal_seq"], "hash": digest},
    )


def generate(url: str, n: int, *, log=print) -> dict[str, float]:
    """Write n cases with their applicants, items, timelines and audit rows (Django must be set up with
    the server's keys: the encrypted values and hashes are the app's). Returns seconds per step."""
    import psycopg

    from bangban.audit.models import AuditEvent

    timings: dict[str, float] = {}
    people = max(n // 2, 1000)
    measured = min(MEASURED_SHARE, n // 5)

    def step(name):
        timings[name] = time.perf_counter() - started
        log(f"  {name}: {timings[name]:.1f} s")

    with psycopg.connect(url, autocommit=False) as conn, conn.cursor() as cur:
        # Generated rows are consistent by construction: skip FK checks and the audit insert trigger
        # (rows arrive sealed, see the docstring). A superuser setting, for this session only.
        cur.execute("SET session_replication_role = replica")
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET work_mem = '256MB'")
        cur.execute("SET maintenance_work_mem = '512MB'")
        started = time.perf_counter()
        cur.execute(AGENTS, {"n": max(n // CASES_PER_AGENT, 50)})  # 50: every institution has agents
        cur.execute(AGENT_ROLES)
        # Slot 0 is the measured agent; every other agent (the demo's too) shares the rest evenly.
        cur.execute(
            "CREATE TEMP TABLE bench_agent AS SELECT row_number() OVER (ORDER BY u.id) AS slot, u.id AS agent_id, "
            "u.institution_id FROM accounts_user u JOIN accounts_roleassignment r ON r.user_id = u.id "
            "AND r.role = 'agent' WHERE u.username <> %s AND u.institution_id IS NOT NULL",
            [MEASURED_AGENT],
        )
        cur.execute(
            "INSERT INTO bench_agent SELECT 0, id, institution_id FROM accounts_user WHERE username = %s",
            [MEASURED_AGENT],
        )
        cur.execute("CREATE TEMP TABLE bench_mix (kind text, lower int, upper int, status text)")
        _copy(cur, "bench_mix", ("kind", "lower", "upper", "status"), mix_rows())
        cur.execute(
            "CREATE TEMP TABLE bench_steps (kind text, status text, i int, action text, before text, "
            "after text, label text)"
        )
        from bangban.cases.workflow import ACTION_LABELS

        labels = ACTION_LABELS | {"create": "登记诉求"}
        _copy(
            cur,
            "bench_steps",
            ("kind", "status", "i", "action", "before", "after", "label"),
            (row + (labels[row[3]],) for row in step_rows()),
        )
        cur.execute(
            "CREATE TEMP TABLE bench_people (id int PRIMARY KEY, type text, name text, id_enc text, "
            "id_hash text, id_masked text, credit_code text, contact text, phone_enc text, phone_hash text, "
            "phone_masked text)"
        )
        columns = ("id", "type", "name", "id_enc", "id_hash", "id_masked", "credit_code", "contact",
                   "phone_enc", "phone_hash", "phone_masked")  # fmt: skip
        _copy(cur, "bench_people", columns, _people_rows(applicants(people)))
        cur.execute("ANALYZE bench_people")
        step(f"agents and {people:,} applicants (encrypted, hashed)")
        cur.execute("SELECT coalesce(max(id), 0) FROM cases_case")
        (after,) = cur.fetchone()
        cur.execute(CASES, {"n": n, "measured": measured, "people": people})
        step(f"{n:,} cases ({measured:,} of {MEASURED_AGENT})")
        cur.execute(
            "SELECT string_agg(name, '、') FROM org_institution i "
            "WHERE NOT EXISTS (SELECT 1 FROM cases_case c WHERE c.institution_id = i.id)"
        )
        (empty,) = cur.fetchone()
        if empty:
            raise RuntimeError(f"institutions without cases: {empty}")
        cur.execute(ITEMS, {"after": after})
        cur.execute(TRANSFERS, {"after": after})
        cur.execute(TASKS, {"after": after})
        cur.execute(SUSPENSIONS, {"after": after})
        step("case items, transfers, joint tasks, suspensions")
        cur.execute(EVENTS, {"after": after})
        step(f"{cur.rowcount:,} timeline events")
        cur.execute("SELECT coalesce(max(id), 0) FROM audit_auditevent")
        (last_audit,) = cur.fetchone()
        cur.execute("SELECT coalesce(max(seal_seq), 0) FROM audit_auditevent")
        (last_seq,) = cur.fetchone()
        cur.execute(AUDIT, {"first_id": last_audit + 1, "first_seq": last_seq + 1, "after": after})
        audit_rows = cur.rowcount
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('audit_auditevent', 'id'), (SELECT max(id) FROM audit_auditevent))"
        )
        conn.commit()
        _seal_head(cur, last_audit + audit_rows)
        conn.commit()
        step(f"{audit_rows:,} audit rows")
    with psycopg.connect(url, autocommit=True) as conn:
        # As autovacuum would leave them in production: visibility map set, statistics fresh (and no
        # autovacuum of the new rows landing in the middle of the measurements).
        conn.execute("VACUUM (ANALYZE)")
    step("vacuum, analyze")
    assert AuditEvent.objects.count() >= audit_rows
    return timings
