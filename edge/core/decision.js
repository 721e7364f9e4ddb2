// Signed edge decision (contract B, docs/edge.md "Signed decisions"): the edge signs the variant it chose so the
// core router can keep the user where the edge put them without trusting the client.

import { base64Bytes } from "./identity.js";

export const DECISION_HEADER = "x-canary-decision";
export const SIGNATURE_HEADER = "x-canary-signature";
export const SIGNING_PREFIX = "rag-canary-decision-v1\n";
/** How far a decision's iat may be from the verifier's clock, in seconds. */
export const MAX_AGE_SECONDS = 300;

const utf8 = new TextEncoder();
const DECISION = /^rollout=([^;=\s]+);epoch=(0|[1-9][0-9]{0,15});bucket=(0|[1-9][0-9]{0,3});variant=(control|canary);iat=(0|[1-9][0-9]{0,15})$/;
const SIGNATURE = /^kid=([A-Za-z0-9._-]{1,64});sig=([A-Za-z0-9_-]{43})$/;

/**
 * The keys secret (`{"keys":[{"kid","secret":"<base64>","notBefore"?,"notAfter"?}]}`), checked; at most two keys.
 * @returns {Array<{kid: string, secret: Uint8Array, notBefore: number, notAfter: number}>} times in ms since epoch
 */
export function parseKeyring(text) {
  let json;
  try {
    json = typeof text === "string" ? JSON.parse(text) : text;
  } catch (notJson) {
    throw new Error(`the decision keys secret is not JSON: ${notJson.message}`);
  }
  const keys = json?.keys;
  if (!Array.isArray(keys) || keys.length < 1 || keys.length > 2) {
    throw new Error("the decision keys secret must hold $.keys with one or two keys (current and previous)");
  }
  return keys.map((key, i) => {
    const at = `$.keys[${i}]`;
    if (typeof key?.kid !== "string" || !/^[A-Za-z0-9._-]{1,64}$/.test(key.kid)) throw new Error(`${at}.kid must match [A-Za-z0-9._-]{1,64}`);
    let secret;
    try {
      secret = base64Bytes(key.secret);
    } catch {
      throw new Error(`${at}.secret must be base64`);
    }
    if (secret.length < 32) throw new Error(`${at}.secret must hold at least 32 bytes (HMAC-SHA256)`);
    return { kid: key.kid, secret, notBefore: instant(key.notBefore, `${at}.notBefore`, -Infinity),
      notAfter: instant(key.notAfter, `${at}.notAfter`, Infinity) };
  });
}

function instant(iso, at, absent) {
  if (iso === undefined) return absent;
  const ms = typeof iso === "string" ? Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) throw new Error(`${at} must be an ISO-8601 instant`);
  return ms;
}

/**
 * The key a signer uses at `nowMs`: of the keys already in force (notBefore passed) and not retired (notAfter ahead),
 * the newest. Publishing the next key with a future notBefore lets every verifier learn it before any edge uses it.
 */
export function signingKey(keyring, nowMs) {
  const usable = keyring.filter((k) => k.notBefore <= nowMs && nowMs < k.notAfter);
  if (usable.length === 0) throw new Error("no decision key is in force now");
  return usable.reduce((newest, k) => (k.notBefore > newest.notBefore ? k : newest));
}

export function formatDecision({ rolloutId, epoch, bucket, variant, iat }) {
  return `rollout=${rolloutId};epoch=${epoch};bucket=${bucket};variant=${variant};iat=${iat}`;
}

export async function signDecision(keyring, decision, nowMs) {
  const key = signingKey(keyring, nowMs);
  const value = formatDecision(decision);
  return { [DECISION_HEADER]: value, [SIGNATURE_HEADER]: `kid=${key.kid};sig=${await mac(key.secret, value)}` };
}

/**
 * The reference verifier (the core router's rules, for the shared vectors): "trusted" or why not.
 * A key counts until its notAfter; its notBefore only tells signers when to start.
 * @param state the verifier's rollout state: {rolloutId, epoch, status}
 */
export async function verifyDecision(headers, { keyring, nowMs, state }) {
  const decision = headers[DECISION_HEADER];
  const signature = headers[SIGNATURE_HEADER];
  if (decision === undefined && signature === undefined) return "absent";
  const d = DECISION.exec(decision ?? "");
  const s = SIGNATURE.exec(signature ?? "");
  if (!d || !s) return "malformed";
  const key = keyring.find((k) => k.kid === s[1] && nowMs < k.notAfter);
  if (!key) return "unknown_key";
  const expected = await mac(key.secret, decision);
  if (!constantTimeEqual(expected, s[2])) return "bad_signature";
  if (Math.abs(nowMs / 1000 - Number(d[5])) > MAX_AGE_SECONDS) return "expired";
  const consistent = d[1] === state.rolloutId && Number(d[2]) === state.epoch
    && (d[4] === "control" || state.status === "ACTIVE");
  return consistent ? "trusted" : "stale_epoch";
}

/** Imported keys by secret: importing costs about as much as signing, and a keyring lives as long as its isolate. */
const importedKeys = new WeakMap();

async function mac(secret, decision) {
  if (!importedKeys.has(secret)) {
    importedKeys.set(secret, crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]));
  }
  const key = await importedKeys.get(secret);
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8.encode(SIGNING_PREFIX + decision)));
  return btoa(String.fromCharCode(...sig)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function constantTimeEqual(a, b) {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i % b.length);
  return diff === 0;
}
