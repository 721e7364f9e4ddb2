// The edge router: StickyRouter's stage/weight/epoch/status semantics (functions/core .../traffic/StickyRouter.java)
// over the edge config document, without an assignment store: within one epoch a key's bucket alone decides, and the
// monotonic ramp (a raise only adds buckets) keeps every key where it was. Platforms supply reading the document,
// sending the request and logging (see ../cloudflare, ../vercel, ../fastly).
import { bucketOf, isCanary } from "./bucket.js";
import { ConfigTracker, parseEdgeConfig } from "./config.js";
import { DECISION_HEADER, SIGNATURE_HEADER, signDecision } from "./decision.js";
import { jwtVerifier, stickyKey, UnreadableRequestError } from "./identity.js";
import { telemetryLine } from "./telemetry.js";

/** As StickyRouter: from this weight on, a trusted tenant is on the canary unless it asks for the control. */
export const TRUSTED_TENANTS_FROM_WEIGHT = 0.05;
/** Headers only routers set: whatever a client sent in them is dropped before anything reads the request. */
const ROUTER_HEADERS = [DECISION_HEADER, SIGNATURE_HEADER, "x-warm", "x-exp", "x-variant", "x-sticky", "x-shadow"];
const WARM_PATH = "/warm-up";

/**
 * @param settings from readSettings (./settings.js)
 * @param where {platform, region}: region is the telemetry line's region (e.g. "edge-cloudflare")
 */
export function createEdgeRouter(settings, { platform, region }) {
  const tracker = new ConfigTracker();
  const verifiedClaims = jwtVerifier(settings.jwt);
  const ownedHeaders = [...ROUTER_HEADERS, settings.identity.tenantHeader, settings.identity.userHeader];
  let coldStart = true;

  /** The document to route by: {doc, error?, stale?}; an unreadable or invalid document keeps the newest seen. */
  async function loadConfig(readConfig) {
    try {
      const stored = await readConfig();
      if (stored === null || stored === undefined) return { doc: null };
      return tracker.accept(parseEdgeConfig(stored));
    } catch (unreadable) {
      return { doc: tracker.newest, error: String(unreadable?.message ?? unreadable) };
    }
  }

  /**
   * Where one request goes and why, and the headers to forward (client-sent router headers removed, verified
   * identity and the signed decision added). Pure apart from the clock: the benchmark times this.
   */
  async function decide(request, loaded, nowMs) {
    const headers = new Headers(request.headers);
    const asked = headers.get("x-exp");
    ownedHeaders.forEach((name) => headers.delete(name));
    const claims = await verifiedClaims(request.headers.get("authorization"), nowMs);
    const tenant = claimText(claims, settings.identity.tenantClaim);
    const user = claimText(claims, settings.identity.userClaim);
    if (tenant) headers.set(settings.identity.tenantHeader, tenant);
    if (user) headers.set(settings.identity.userHeader, user);

    const decision = await variantFor(loaded, headers, claims, tenant, asked);
    if (decision.reason === "TRUSTED_EXPERIMENT") headers.set("x-exp", decision.variant);
    if (decision.bucket >= 0) {
      const signed = await signDecision(settings.keyring, { rolloutId: decision.rolloutId, epoch: decision.epoch,
        bucket: decision.bucket, variant: decision.variant, iat: Math.floor(nowMs / 1000) }, nowMs);
      Object.entries(signed).forEach(([name, value]) => headers.set(name, value));
      decision.signedBy = /^kid=([^;]+)/.exec(signed[SIGNATURE_HEADER])[1];
    }
    const direct = decision.doc?.origins && decision.variant !== "alias";
    if (direct) {
      // Straight to a version: the edge is the router, so the version gets what the Lambda router would add.
      headers.set("x-exp", decision.variant);
      const version = decision.doc[`${decision.variant}Version`];
      if (version) headers.set("x-variant", version);
    }
    return { decision, headers, target: direct ? decision.variant : "origin",
      base: direct ? decision.doc.origins[decision.variant] : settings.origin };
  }

  async function variantFor(loaded, headers, claims, tenant, asked) {
    const doc = loaded.doc;
    if (loaded.error) return fallback(doc, "STORE_UNAVAILABLE", loaded.error);
    if (!doc || doc.status === "PROMOTED" || doc.status === "RELEASED") return decision(doc, "alias", "NO_ACTIVE_ROLLOUT");
    if (doc.status === "ROLLED_BACK") return decision(doc, "control", "ROLLED_BACK");
    let key;
    try {
      key = stickyKey(settings.sticky, headers, claims);
    } catch (unreadable) {
      if (unreadable instanceof UnreadableRequestError) return fallback(doc, "UNPARSEABLE", unreadable.message);
      throw unreadable;
    }
    const trusted = tenant !== null && doc.trustedTenants.includes(tenant);
    let expIgnored = false;
    if (asked !== null) {
      const wanted = asked.trim().toLowerCase();
      if (trusted && (wanted === "control" || (wanted === "canary" && doc.weight > 0))) {
        return decision(doc, wanted, "TRUSTED_EXPERIMENT", { stickyKey: key });
      }
      expIgnored = true;
    } else if (trusted && doc.weight >= TRUSTED_TENANTS_FROM_WEIGHT) {
      return decision(doc, "canary", "TRUSTED_TENANT", { stickyKey: key });
    }
    if (key === null) return decision(doc, "alias", "UNKEYED", { expIgnored });
    const bucket = await bucketOf(doc.salt, key);
    return decision(doc, isCanary(bucket, doc.weight) ? "canary" : "control", "BUCKETED", { stickyKey: key, bucket, expIgnored });
  }

  /** Serves one request; never throws, and always answers from an origin unless the origin itself cannot be reached. */
  async function route(request, io) {
    const nowMs = io.nowMs ?? Date.now;
    const started = nowMs();
    const cold = coldStart;
    coldStart = false;
    const loaded = await loadConfig(io.readConfig);
    let routed;
    try {
      routed = await decide(request, loaded, started);
    } catch (unexpected) {
      // Whatever went wrong deciding, the user is served where the newest document sends everyone.
      const headers = new Headers(request.headers);
      ownedHeaders.forEach((name) => headers.delete(name));
      routed = { decision: fallback(loaded.doc, "UNPARSEABLE", String(unexpected?.message ?? unexpected)), headers,
        target: "origin", base: settings.origin };
    }
    const { decision, headers, target, base } = routed;
    const url = new URL(request.url);
    const forwarded = new Request(base + url.pathname + url.search, { method: request.method, headers,
      body: ["GET", "HEAD"].includes(request.method) ? undefined : request.body, redirect: "manual" });
    return serve(io, forwarded, target, decision, { route: url.pathname, started, cold, loaded });
  }

  /**
   * Warms the versions a direct-origin document sends users to (control and canary while active, the control after
   * a rollback). Behind the core router there is nothing to warm here: the stack's own schedule warms the versions.
   */
  async function warmUp(io) {
    const nowMs = io.nowMs ?? Date.now;
    const loaded = await loadConfig(io.readConfig);
    const doc = loaded.doc;
    if (!doc?.origins || loaded.error) return [];
    const variants = doc.status === "ACTIVE" ? ["control", "canary"] : doc.status === "ROLLED_BACK" ? ["control"] : [];
    return Promise.all(variants.map((variant) => {
      const ping = new Request(doc.origins[variant] + WARM_PATH, { method: "POST", body: "{}",
        headers: { "x-warm": "true", "content-type": "application/json", "x-exp": variant } });
      const warm = { ...decision(doc, variant, "WARM_UP"), warmPing: true };
      return serve(io, ping, variant, warm, { route: WARM_PATH, started: nowMs(), cold: false, loaded });
    }));
  }

  async function serve(io, forwarded, target, d, { route: path, started, cold, loaded }) {
    const nowMs = io.nowMs ?? Date.now;
    const sendStarted = nowMs();
    let response;
    let unreachable = null;
    try {
      response = await io.send(forwarded, target);
    } catch (failure) {
      unreachable = String(failure?.message ?? failure);
      response = new Response(JSON.stringify({ message: "the routed origin failed", errorType: "OriginUnreachable" }),
        { status: 502, headers: { "content-type": "application/json" } });
    }
    const { reply, rag } = await readReply(response);
    const invokeMs = nowMs() - sendStarted;
    const { label, version } = labelOf(d);
    if (!reply.headers.has("x-exp")) reply.headers.set("x-exp", label);
    const failureClass = reply.status < 500 ? null
      : `5xx:${reply.headers.get("x-error-type") || rag?.errorType || `Http${reply.status}`}`;
    const edge = { platform, revision: d.doc?.revision ?? null };
    if (d.signedBy) edge.signed_kid = d.signedBy;
    if (loaded.stale) edge.stale_config_ignored = true;
    if (d.cause) edge.cause = d.cause;
    if (unreachable) edge.origin_error = unreachable;
    io.log(JSON.stringify(telemetryLine({ at: nowMs(), functionName: settings.functionName, alias: settings.alias,
      region, route: path, decision: d, variantLabel: label, version, coldStart: cold, latencyMs: nowMs() - started,
      invokeMs, status: reply.status, failureClass, rag, edgePop: io.edgePop ?? null, edge })));
    return reply;
  }

  return { route, warmUp, decide, loadConfig };
}

function decision(doc, variant, reason, extra = {}) {
  return { variant, reason, rolloutId: doc?.rolloutId ?? null, epoch: doc?.epoch ?? 0, bucket: -1, stickyKey: null,
    warmPing: false, expIgnored: false, fallback: false, doc, ...extra };
}

/**
 * As StickyRouter's fallback: with no readable document the newest one seen decides; a rollout still active or rolled
 * back keeps everyone on the control, otherwise the alias is the truth.
 */
function fallback(doc, reason, cause) {
  const controlServes = doc && (doc.status === "ACTIVE" || doc.status === "ROLLED_BACK");
  return decision(doc, controlServes ? "control" : "alias", reason, { fallback: true, cause });
}

/** After a promotion the alias serves the promoted version, which the document names as the control. */
function labelOf(d) {
  if (d.variant !== "alias") return { label: d.variant, version: d.doc?.[`${d.variant}Version`] ?? null };
  if (d.doc && (d.doc.status === "PROMOTED" || d.doc.status === "RELEASED") && d.doc.controlVersion) {
    return { label: "control", version: d.doc.controlVersion };
  }
  return { label: "alias", version: null };
}

/** The reply with headers the edge may change; a JSON body is read for telemetry and loses its "egress" (contract C). */
async function readReply(response) {
  const headers = new Headers(response.headers);
  if (!(headers.get("content-type") ?? "").includes("json")) {
    return { reply: new Response(response.body, { status: response.status, statusText: response.statusText, headers }), rag: null };
  }
  let text = await response.text();
  let rag = null;
  try {
    rag = JSON.parse(text);
    if (rag !== null && typeof rag === "object" && Array.isArray(rag.egress)) {
      const { egress, ...body } = rag;
      text = JSON.stringify(body);
      headers.delete("content-length");
    }
  } catch {
    rag = null; // not JSON after all: the caller gets it as sent, the line lacks the RAG fields
  }
  return { reply: new Response(text, { status: response.status, statusText: response.statusText, headers }), rag };
}

/**
 * A claim as a header value, or null: HTTP header values are bytes, so a claim with other characters cannot travel
 * to the core and counts as absent (never trusted) rather than failing the request.
 */
function claimText(claims, name) {
  const value = claims?.[name];
  const text = typeof value === "string" || typeof value === "number" ? String(value).trim() : "";
  return /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/.test(text) ? text : null;
}
