// One JSON line per routed request in the Lambda router's shape (functions/traffic-router Telemetry.java, docs/metrics.md),
// so the same Logs Insights queries and EMF metrics work on edge lines. Warm-up pings are logged without metrics.

export const NAMESPACE = "RagCanary/Router";
const COUNTS = ["Requests", "Errors", "CacheHits", "CacheMisses", "PrefixCollisions", "RoutingFallbacks"];

/**
 * @param o {at, functionName, alias, region, route, decision, variantLabel, version, coldStart, latencyMs, invokeMs,
 *           status, failureClass, rag, edgePop, edge}
 */
export function telemetryLine(o) {
  const d = o.decision;
  const line = { ts: new Date(o.at).toISOString(), function: o.functionName, alias: o.alias, route: o.route,
    variant: o.variantLabel + (o.version ? `-v${o.version}` : "") };
  if (o.version) line.version = o.version;
  if (d.bucket >= 0) line.sticky = `h${d.bucket}`; // the bucket, never the key itself (it may be personal)
  line.region = o.region;
  if (o.edgePop) line.edge_pop = o.edgePop;
  line.cold_start = o.coldStart;
  line.warm_ping = d.warmPing;
  const reported = o.rag?.latency_ms;
  line.latency_ms = { ...(isObject(reported) ? reported : {}), invoke: round(o.invokeMs), tfinal: round(o.latencyMs) };
  line.status = o.status;
  const retrieval = retrievalOf(o.rag);
  if (retrieval) line.retrieval = retrieval;
  if (isObject(o.rag?.cache)) line.cache = { ...o.rag.cache }; // no collision flag: the cache prefixes are the core's
  if (Array.isArray(o.rag?.egress)) line.egress = o.rag.egress;
  line.routing = { reason: d.reason };
  if (d.rolloutId) Object.assign(line.routing, { rollout: d.rolloutId, epoch: d.epoch });
  Object.assign(line.routing, { fallback: d.fallback, exp_ignored: d.expIgnored, shadow_mirrored: false });
  line.routing.edge = o.edge;
  if (o.failureClass) line.failure_class = o.failureClass;
  if (!d.warmPing) addMetrics(line, o);
  return line;
}

function addMetrics(line, o) {
  line._aws = { Timestamp: o.at, CloudWatchMetrics: [{ Namespace: NAMESPACE,
    Dimensions: [["Function", "Alias", "Variant", "ColdStart"], ["Function", "Alias", "Variant", "FailureClass"]],
    Metrics: [{ Name: "LatencyMs", Unit: "Milliseconds" }, ...COUNTS.map((Name) => ({ Name, Unit: "Count" }))] }] };
  const hit = o.rag?.cache?.hit;
  Object.assign(line, { Function: o.functionName, Alias: o.alias, Variant: o.variantLabel,
    ColdStart: String(o.coldStart), FailureClass: o.failureClass ?? "none", LatencyMs: round(o.latencyMs),
    Requests: 1, Errors: o.failureClass ? 1 : 0, CacheHits: hit === true ? 1 : 0,
    CacheMisses: hit === false ? 1 : 0, PrefixCollisions: 0, RoutingFallbacks: o.decision.fallback ? 1 : 0 });
}

function retrievalOf(rag) {
  if (!isObject(rag)) return null;
  const out = {};
  if (Array.isArray(rag.retrieved)) out.k = rag.retrieved.length;
  for (const field of ["metric", "analyzer", "INDEX_HASH"]) {
    if (isObject(rag.index) && rag.index[field] != null) out[field] = String(rag.index[field]);
  }
  return Object.keys(out).length > 0 ? out : null;
}

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function round(ms) {
  return Math.round(ms * 10) / 10;
}
