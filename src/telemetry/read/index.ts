// What the dashboards read of telemetry (vendor stats in payouts, network stats in public): from
// the hourly rollups only, each block naming its source.
export { getVendorTelemetry } from "./vendor";
export { getNetworkTelemetry } from "./network";
export {
  VendorTelemetrySchema,
  NetworkTelemetrySchema,
  RouteTelemetrySchema,
  GatewayHealthSchema,
  TelemetryLatencySchema,
  TELEMETRY_SOURCE,
  type VendorTelemetry,
  type NetworkTelemetry,
} from "./schemas";
