// The sticky bucket of docs/design.md "Traffic", byte for byte with StickyBucket.java:
// first 8 bytes of SHA-256(UTF-8(salt + ":" + key)) as an unsigned 64-bit big-endian integer, mod 10 000.
export const BUCKETS = 10000;

const utf8 = new TextEncoder();

export async function bucketOf(salt, key) {
  const digest = await crypto.subtle.digest("SHA-256", utf8.encode(`${salt}:${key}`));
  return Number(new DataView(digest).getBigUint64(0, false) % BigInt(BUCKETS));
}

/** Canary iff bucket < round(weight * 10 000): raising the weight only ever adds buckets. */
export function isCanary(bucket, weight) {
  return bucket < Math.round(weight * BUCKETS);
}
