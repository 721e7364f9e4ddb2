// Test-only Worker: computes buckets inside workerd for rows POSTed as JSON [{salt, key}].
import { bucketOf } from "../core/bucket.js";

export default {
  async fetch(request) {
    const rows = await request.json();
    return Response.json(await Promise.all(rows.map(({ salt, key }) => bucketOf(salt, key))));
  },
};
