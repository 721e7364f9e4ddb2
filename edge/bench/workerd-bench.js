// Benchmark Worker: GET /?first=N&count=M runs one batch inside workerd.
import { decideBatch } from "./decide-batch.js";

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const canary = await decideBatch(Number(url.searchParams.get("first")), Number(url.searchParams.get("count")));
    return new Response(String(canary));
  },
};
