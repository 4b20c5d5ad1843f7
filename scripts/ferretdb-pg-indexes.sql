-- FerretDB 1.24's PostgreSQL backend filters with `_jsonb -> 'field' @> value`, which the btree
-- indexes it creates for createIndex cannot serve: every find, even by _id, scans the whole
-- table (measured: 10,000 messages, 0.1-0.2 s per lookup under load). For each such btree index
-- this adds a GIN index on the same first field, which `@>` can use; the btree stays, and with
-- it uniqueness. Indexes change no answer, only how fast it comes. Loaded by scripts/services.sh
-- and the benchmark into FerretDB's own database; safe to load again.

CREATE OR REPLACE FUNCTION notifyx_gin_beside(index_oid oid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  definition text := pg_get_indexdef(index_oid);
  field text;
  target text;
  name text;
BEGIN
  field := substring(definition from 'USING btree \(\(\(_jsonb -> ''([^'']+)''::text\)\)');
  IF field IS NULL THEN RETURN; END IF;
  SELECT format('%I.%I', n.nspname, t.relname), left(x.relname, 59) || '_gin'
    INTO target, name
    FROM pg_index i
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_class x ON x.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
   WHERE i.indexrelid = index_oid;
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin ((_jsonb -> %L) jsonb_path_ops)', name, target, field);
END $$;

CREATE OR REPLACE FUNCTION notifyx_gin_for_ferretdb() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
  command record;
BEGIN
  FOR command IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE INDEX' LOOP
    PERFORM notifyx_gin_beside(command.objid);
  END LOOP;
END $$;

DROP EVENT TRIGGER IF EXISTS notifyx_gin_for_ferretdb;
CREATE EVENT TRIGGER notifyx_gin_for_ferretdb ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION notifyx_gin_for_ferretdb();

-- Collections created before this was loaded.
DO $$
DECLARE
  existing record;
BEGIN
  FOR existing IN SELECT indexrelid FROM pg_index i JOIN pg_am a ON a.oid = (SELECT relam FROM pg_class WHERE oid = i.indexrelid)
                   WHERE a.amname = 'btree' AND pg_get_indexdef(i.indexrelid) LIKE '%USING btree (((_jsonb -> %' LOOP
    PERFORM notifyx_gin_beside(existing.indexrelid);
  END LOOP;
END $$;
