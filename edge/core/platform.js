// What every adapter does when its own settings are wrong: a deploy mistake, not a rollout state, so there is no
// origin to trust. Answered 500 naming every setting at fault, and logged.

export function refusedForSettings(misconfigured, log) {
  const message = String(misconfigured?.message ?? misconfigured);
  log(JSON.stringify({ ts: new Date().toISOString(), status: 500, refused: "EDGE_SETTINGS", message }));
  return new Response(JSON.stringify({ message }), { status: 500, headers: { "content-type": "application/json" } });
}
