-- Extensions the schema needs. pgvector backs service_embeddings (lld-backend.md §3.6, §5.2).
-- scripts/setup builds pgvector from Debian's source package when the server lacks it.
CREATE EXTENSION IF NOT EXISTS vector;
