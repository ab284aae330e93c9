# syntax=docker/dockerfile:1
# machpay-api: a single self-contained binary (bun build --compile). The SQL migrations are
# embedded through Bun text imports (src/db/migrations.ts), and the API migrates on start.

# --- build -----------------------------------------------------------------------------------
FROM oven/bun:1.4.5 AS build
WORKDIR /src
# Dependencies first so this layer is reused while only sources change. devDependencies are
# included (bun install installs them unless --production / NODE_ENV=production).
COPY package.json bun.lock bunfig.toml ./
RUN bun install --frozen-lockfile
COPY . .
RUN bun build --compile --minify src/main.ts --outfile /out/machpay-api

# --- runtime ---------------------------------------------------------------------------------
FROM debian:bookworm-slim
# ca-certificates for outbound TLS; curl only for the HEALTHCHECK.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 machpay \
 && useradd --system --uid 10001 --gid machpay --home-dir /app --no-create-home --shell /usr/sbin/nologin machpay
WORKDIR /app
COPY --from=build /out/machpay-api /app/machpay-api
USER machpay:machpay
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8081
EXPOSE 8081
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:${PORT:-8081}/health" || exit 1
ENTRYPOINT ["/app/machpay-api"]
