-- Several million audit rows for measuring the audit search (issue 9), written straight in SQL.
--
--   createdb -h 127.0.0.1 -U postgres bangban_wt_audit_big
--   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bangban_wt_audit_big .venv/bin/bangban migrate
--   DATABASE_URL=... .venv/bin/bangban load_demo
--   psql -h 127.0.0.1 -U postgres bangban_wt_audit_big -f scripts/audit_rows.sql     (~2 min)
--
-- 20 generated staff per demo institution (unusable passwords), then 5,000,000 rows one every ~12.6 s
-- over two years, newest about now: cases actions on 1,087,000 case ids, logins, refusals, failed
-- logins (half with no institution). Rows are inserted unsealed (seal_seq/seal_hash NULL), as the
-- append-only triggers require; nothing is updated or deleted.
INSERT INTO accounts_user (password, is_superuser, username, full_name, phone, email, is_active, is_staff, date_joined, must_change_password, institution_id)
SELECT '!', false, 'gen' || i.id || '_' || n, (ARRAY['张','王','李','赵','刘','陈','杨','黄','周','吴'])[1 + (n % 10)] || (ARRAY['伟','芳','娜','敏','静','丽','强','磊','军','洋'])[1 + ((n*7+i.id) % 10)] || n,
       '', '', true, false, now(), false, i.id
FROM org_institution i, generate_series(1, 20) n;

SELECT setseed(0.42);
DROP TABLE IF EXISTS gu; DROP TABLE IF EXISTS acts;
CREATE TEMP TABLE gu AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, full_name, institution_id FROM accounts_user WHERE username LIKE 'gen%';
CREATE TEMP TABLE acts (k int, action text, otype text);
INSERT INTO acts VALUES
 (0,'cases.case.create','cases.case'),(1,'cases.case.accept','cases.case'),(2,'cases.case.start','cases.case'),
 (3,'cases.case.complete','cases.case'),(4,'cases.case.apply','cases.case'),(5,'cases.log.add','cases.case'),
 (6,'cases.material.receive','cases.case'),(7,'cases.case.reveal_phone','cases.case'),(8,'cases.case.suspend','cases.case'),
 (9,'cases.case.resume','cases.case'),(10,'cases.transfer.send','cases.case'),(11,'cases.case.archive','cases.case'),
 (12,'auth.login','accounts.user'),(13,'auth.login','accounts.user'),(14,'auth.logout','accounts.user'),
 (15,'access.refused',''),(16,'auth.login_failed',''),(17,'cases.case.create','cases.case'),(18,'cases.case.accept','cases.case'),(19,'cases.case.complete','cases.case');
\timing on
DO $$
DECLARE b int;
BEGIN
FOR b IN 0..4 LOOP
  INSERT INTO audit_auditevent (at, actor_id, actor_name, institution_id, action, object_type, object_id, object_repr, changes, note, ip, user_agent, path)
  SELECT (now() - interval '730 days') + (g * interval '12.6 seconds') + (random() * interval '3 seconds'),
         CASE WHEN a.k = 16 THEN NULL ELSE u.id END,
         CASE WHEN a.k = 16 THEN '' ELSE u.full_name END,
         CASE WHEN a.k = 16 AND g % 2 = 0 THEN NULL ELSE u.institution_id END,
         a.action, a.otype,
         CASE WHEN a.otype = 'cases.case' THEN (1 + (g * 7919) % 1087000)::text WHEN a.otype = 'accounts.user' THEN u.id::text ELSE (1 + g % 1087000)::text END,
         CASE WHEN a.otype = 'cases.case' THEN 'BB' || to_char(1 + (g * 7919) % 1087000, 'FM00000000') || ' 申请人' || (g % 997)
              WHEN a.otype = 'accounts.user' THEN u.full_name ELSE 'GET /cases/' || (1 + g % 1087000) || '/' END,
         '{}'::jsonb,
         CASE WHEN g % 50 = 0 THEN '备注 ' || g ELSE '' END,
         ('10.' || (g % 200) || '.' || (g % 13) || '.' || (1 + g % 250))::inet,
         'Mozilla/5.0', '/cases/'
  FROM generate_series(b::bigint * 1000000 + 1, (b + 1)::bigint * 1000000) g
  JOIN gu u ON u.k = (g * 31 + (g / 1000)) % 440
  JOIN acts a ON a.k = (g * 13 + (g / 7)) % 20;
  RAISE NOTICE 'batch % done', b;
  COMMIT;
END LOOP;
END $$;
ANALYZE audit_auditevent;
SELECT count(*) FROM audit_auditevent;
