import type { ApiKeyDeps } from "@/auth";
import type { BaseDeps } from "@/http/module";

/** What the telemetry module uses besides the basics: API keys' lookup (its senders' credentials). */
export interface TelemetryDeps extends BaseDeps, ApiKeyDeps {}
