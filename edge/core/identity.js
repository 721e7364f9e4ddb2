// Who is calling and which sticky key the request carries. Trust (x-exp, trusted tenants) and a claim-based sticky key
// come only from a JWT this edge verified itself: none of the three platforms verifies a bearer token before the
// router runs, and the core behind the edge verifies again (docs/edge.md "Identity").

export const MAX_STICKY_KEY_BYTES = 1024;

const utf8 = new TextEncoder();
const ALGORITHMS = {
  HS256: { name: "HMAC", hash: "SHA-256" },
  RS256: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
};

export class UnreadableRequestError extends Error {}

/**
 * The verifier for `settings.jwt` ({alg, key, issuer?, audience?}): HS256 with a base64 secret, or RS256 with a public
 * JWK. Returns async (authorization header, nowMs) => claims or null (absent, malformed, bad signature, expired,
 * wrong issuer or audience: all treated as "no identity", never as an error).
 */
export function jwtVerifier(jwt) {
  if (!jwt) return async () => null;
  const algorithm = ALGORITHMS[jwt.alg];
  const keyPromise = jwt.alg === "HS256"
    ? crypto.subtle.importKey("raw", base64Bytes(jwt.key), algorithm, false, ["verify"])
    : crypto.subtle.importKey("jwk", JSON.parse(jwt.key), algorithm, false, ["verify"]);
  return async (authorization, nowMs) => {
    const token = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(authorization ?? "");
    if (!token) return null;
    try {
      const header = JSON.parse(base64UrlText(token[1]));
      if (header.alg !== jwt.alg) return null; // never let the token pick the algorithm
      const signed = utf8.encode(`${token[1]}.${token[2]}`);
      if (!(await crypto.subtle.verify(algorithm, await keyPromise, base64UrlBytes(token[3]), signed))) return null;
      const claims = JSON.parse(base64UrlText(token[2]));
      const now = nowMs / 1000;
      if (typeof claims.exp === "number" && now >= claims.exp) return null;
      if (typeof claims.nbf === "number" && now < claims.nbf) return null;
      if (jwt.issuer && claims.iss !== jwt.issuer) return null;
      if (jwt.audience && ![claims.aud].flat().includes(jwt.audience)) return null;
      return claims;
    } catch {
      return null;
    }
  };
}

/**
 * The sticky key named by `sticky` ({source: "header" | "cookie" | "claim", name}); null when absent or blank.
 * @throws UnreadableRequestError when the key is longer than the core router would store
 */
export function stickyKey(sticky, headers, claims) {
  let value = null;
  if (sticky.source === "header") value = headers.get(sticky.name);
  else if (sticky.source === "cookie") value = cookie(headers.get("cookie"), sticky.name);
  else if (claims && (typeof claims[sticky.name] === "string" || typeof claims[sticky.name] === "number")) value = String(claims[sticky.name]);
  if (value === null || value.trim() === "") return null;
  if (utf8.encode(value).length > MAX_STICKY_KEY_BYTES) {
    throw new UnreadableRequestError(`the sticky key is longer than ${MAX_STICKY_KEY_BYTES} bytes`);
  }
  return value;
}

function cookie(header, name) {
  for (const part of (header ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) {
      try {
        return decodeURIComponent(part.slice(at + 1).trim());
      } catch {
        return part.slice(at + 1).trim();
      }
    }
  }
  return null;
}

export function base64Bytes(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function base64UrlBytes(text) {
  return base64Bytes(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
}

function base64UrlText(text) {
  return new TextDecoder().decode(base64UrlBytes(text));
}
