// The edge config document (contract A, docs/edge.md "Config"), published by the weight shifter per (function, alias).

const STATUSES = new Set(["ACTIVE", "ROLLED_BACK", "PROMOTED", "RELEASED"]);
/** What Java's Instant.toString writes (the publisher's publishedAt): whole seconds or up to nanoseconds, UTC. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/**
 * Where the document lives: `rag-canary/<function>/<alias>` in Workers KV; Vercel Edge Config and Fastly Config
 * Store keys allow no '/', so there it is `rag-canary_<function>_<alias>`.
 */
export function configKey(functionName, alias, separator = "/") {
  return ["rag-canary", functionName, alias].join(separator);
}

export class InvalidConfigError extends Error {}

/**
 * The document as published, checked field by field; throws InvalidConfigError listing every problem with its path.
 * Accepts the stored text or an already parsed object (Edge Config returns JSON values).
 */
export function parseEdgeConfig(stored) {
  let doc = stored;
  if (typeof stored === "string") {
    try {
      doc = JSON.parse(stored);
    } catch (notJson) {
      throw new InvalidConfigError(`the edge config is not JSON: ${notJson.message}`);
    }
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new InvalidConfigError("the edge config is not a JSON object");
  }
  const problems = [];
  const text = (name) => typeof doc[name] === "string" && doc[name].trim() !== "" || problems.push(`$.${name} must be a non-blank string`);
  const whole = (name) => Number.isSafeInteger(doc[name]) && doc[name] >= 0 || problems.push(`$.${name} must be a whole number >= 0`);
  if (doc.schemaVersion !== 1) problems.push("$.schemaVersion must be 1");
  ["rolloutId", "functionName", "alias", "stage", "salt"].forEach(text);
  ["epoch", "revision"].forEach(whole);
  if (typeof doc.publishedAt !== "string" || !ISO_INSTANT.test(doc.publishedAt) || Number.isNaN(publishedMs(doc))) {
    problems.push("$.publishedAt must be a UTC date-time such as 2026-12-01T15:00:00Z");
  }
  if (typeof doc.weight !== "number" || !(doc.weight >= 0 && doc.weight <= 1)) problems.push("$.weight must be a number within 0..1");
  if (!STATUSES.has(doc.status)) problems.push(`$.status must be one of ${[...STATUSES].join(", ")}`);
  for (const name of ["controlVersion", "canaryVersion"]) {
    if (doc[name] !== undefined && (typeof doc[name] !== "string" || doc[name] === "")) problems.push(`$.${name} must be a non-empty string`);
  }
  if (doc.trustedTenants !== undefined
      && (!Array.isArray(doc.trustedTenants) || doc.trustedTenants.some((t) => typeof t !== "string"))) {
    problems.push("$.trustedTenants must be an array of strings");
  }
  if (doc.origins !== undefined) {
    if (doc.origins === null || typeof doc.origins !== "object") {
      problems.push("$.origins must be an object with control and canary URLs");
    } else {
      for (const variant of ["control", "canary"]) {
        if (!isHttpUrl(doc.origins[variant])) problems.push(`$.origins.${variant} must be an http(s) URL`);
      }
    }
  }
  if (problems.length > 0) {
    throw new InvalidConfigError(`the edge config is invalid: ${problems.join("; ")}`);
  }
  return { ...doc, trustedTenants: doc.trustedTenants ?? [] };
}

function isHttpUrl(value) {
  try {
    return typeof value === "string" && ["http:", "https:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/**
 * The newest document this isolate has seen. Edge caches are eventually consistent: after a rollback one read may
 * return the new document and the next an older cached copy. Within one rollout the revision orders its documents, so
 * a lower revision than one already seen is ignored (a stale copy can never undo a rollback this isolate has seen).
 * Revisions restart at 1 with every rollout, so across rollouts they say nothing: the publisher always replaces
 * another rollout's document (rollouts of one alias run one at a time under the controller's lock), so the later
 * published one is the current one, and an old rollout's copy published before the document seen is ignored (it
 * would otherwise put back a finished rollout's split). `newest` is the newest document seen, or null: what a
 * fallback routes by when the store cannot be read.
 */
export class ConfigTracker {
  newest = null;

  /** @returns {{doc: object, stale: boolean}} the document to route by, and whether `doc` was older and ignored */
  accept(doc) {
    if (this.newest !== null && isOlder(doc, this.newest)) {
      return { doc: this.newest, stale: true };
    }
    this.newest = doc;
    return { doc, stale: false };
  }
}

function isOlder(doc, seen) {
  return doc.rolloutId === seen.rolloutId
    ? doc.revision < seen.revision
    : publishedMs(doc) < publishedMs(seen);
}

/** publishedAt in epoch ms; the fraction cut to milliseconds first, the precision ECMAScript's date format defines. */
function publishedMs(doc) {
  return Date.parse(doc.publishedAt.replace(/(\.\d{3})\d+Z$/, "$1Z"));
}
