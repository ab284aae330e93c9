-- Service registry indexing and search (lld-backend.md §3.6; contract.md "Discovery").

-- The text of an MCP tools/list result that search should see: each tool's name (snake_case and
-- camelCase split into words) and description. IMMUTABLE so a generated column can use it.
CREATE FUNCTION registry_tool_text(def JSONB) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(
    regexp_replace(regexp_replace(coalesce(t->>'name', ''), '([a-z0-9])([A-Z])', '\1 \2', 'g'), '[_.-]+', ' ', 'g')
      || ' ' || coalesce(t->>'description', ''),
    ' '), '')
  FROM jsonb_array_elements(CASE WHEN jsonb_typeof(def->'tools') = 'array' THEN def->'tools' ELSE '[]'::jsonb END) AS t
$$;

-- Full-text side of hybrid search. Generated, so it can never disagree with the row, and a
-- service is found by its words the moment it is committed (the embedding follows shortly).
ALTER TABLE services ADD COLUMN search_tsv TSVECTOR GENERATED ALWAYS AS (
  setweight(to_tsvector('english', name), 'A')
  || setweight(to_tsvector('english', replace(service_type, '-', ' ')), 'B')
  || setweight(to_tsvector('english', description), 'B')
  || setweight(to_tsvector('english', registry_tool_text(mcp_tool_def)), 'C')
) STORED;

CREATE INDEX services_search ON services USING gin (search_tsv);

-- Services whose embedding must be (re)computed, written in the same transaction as the service
-- so a registration is never lost between the answer and the index. One row per service: a
-- second write while queued only bumps `generation`. A worker leases rows (`locked_until`)
-- rather than holding a transaction across the embedding call, and deletes a row only if its
-- generation is still the one it embedded, so a write made meanwhile is embedded again.
CREATE TABLE service_index_queue (
  service_id   VARCHAR(64) PRIMARY KEY REFERENCES services(id) ON DELETE CASCADE,
  generation   BIGINT NOT NULL DEFAULT 1,
  enqueued_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- The worker holding the row (its claim's random token) and until when; past that time,
  -- another worker may take it over and the first one's late results are discarded.
  lease        TEXT,
  locked_until TIMESTAMPTZ,
  -- Backoff after a failed embedding call.
  not_before   TIMESTAMPTZ,
  attempts     INT NOT NULL DEFAULT 0,
  last_error   TEXT
);

CREATE INDEX service_index_queue_order ON service_index_queue (enqueued_at);
