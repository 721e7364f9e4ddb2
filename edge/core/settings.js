// The router's settings, the same names on every platform (Workers vars and secrets, Vercel environment variables,
// a Fastly Config Store / Secret Store); names shared with the Lambda router keep its meaning (docs/edge.md "Settings").
import { parseKeyring } from "./decision.js";

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]{1,128}$/;
const CLAIM_NAME = /^[A-Za-z0-9_:.-]{1,128}$/;

/**
 * @param get name -> string or undefined
 * @throws Error listing every variable whose value is missing or not allowed
 */
export function readSettings(get) {
  const problems = [];
  const required = (name, what) => {
    const value = get(name);
    if (value === undefined || value === null || String(value).trim() === "") problems.push(`${name} is not set; it names ${what}`);
    return value;
  };
  const matching = (name, fallback, pattern) => {
    const value = (get(name) ?? fallback).toString();
    if (!pattern.test(value)) problems.push(`${name} '${value}' must match ${pattern.source}`);
    return value;
  };
  const functionName = required("TARGET_FUNCTION", "the function whose alias is routed");
  const alias = required("TARGET_ALIAS", "the alias users call");
  const origin = required("ORIGIN_URL", "where requests go without a variant origin: the core router or the alias");
  const keysText = required("DECISION_KEYS", "the decision signing keys secret");
  const source = (get("STICKY_SOURCE") ?? "header").toString();
  if (!["header", "cookie", "claim"].includes(source)) problems.push(`STICKY_SOURCE must be header, cookie or claim, not '${source}'`);
  const stickyName = source === "header"
    ? matching("STICKY_NAME", "x-user-id", HEADER_NAME).toLowerCase()
    : matching("STICKY_NAME", source === "claim" ? "sub" : "session", CLAIM_NAME);
  const alg = get("JWT_ALG");
  let jwt = null;
  if (alg !== undefined && alg !== "") {
    if (!["HS256", "RS256"].includes(alg)) problems.push(`JWT_ALG must be HS256 or RS256, not '${alg}'`);
    jwt = { alg, key: required("JWT_KEY", "the JWT verification key (HS256: base64 secret, RS256: public JWK)"),
      issuer: get("JWT_ISSUER") || null, audience: get("JWT_AUDIENCE") || null };
  } else if (source === "claim") {
    problems.push("STICKY_SOURCE claim needs JWT_ALG and JWT_KEY: a claim is read only from a verified token");
  }
  const identity = {
    tenantClaim: matching("TENANT_CLAIM", "tenant_id", CLAIM_NAME),
    userClaim: matching("USER_CLAIM", "sub", CLAIM_NAME),
    tenantHeader: matching("TENANT_HEADER", "x-tenant-id", HEADER_NAME),
    userHeader: matching("USER_HEADER", "x-user-id", HEADER_NAME),
  };
  let keyring = null;
  if (keysText) {
    try {
      keyring = parseKeyring(keysText);
    } catch (invalid) {
      problems.push(`DECISION_KEYS: ${invalid.message}`);
    }
  }
  if (origin && !/^https?:\/\/[^/]+/.test(origin)) problems.push(`ORIGIN_URL '${origin}' must be an http(s) URL`);
  if (problems.length > 0) throw new Error(`edge router settings: ${problems.join("; ")}`);
  return { functionName, alias, origin: origin.replace(/\/+$/, ""), keyring, sticky: { source, name: stickyName }, jwt, identity };
}
