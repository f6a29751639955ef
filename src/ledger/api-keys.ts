/**
 * @module ledger/api-keys
 * API keys for /v1 routes, stored as SHA-256 hashes (the key itself is shown once, at creation).
 * Keys look like `ra_<id>_<secret>`; lookup is by hash, so comparing is a single indexed equality.
 */

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function isValidApiKey(db: D1Database, key: string): Promise<boolean> {
  if (!/^ra_[a-z0-9]{6,32}_[A-Za-z0-9]{20,64}$/.test(key)) return false;
  const row = await db.prepare(`SELECT id FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL`).bind(await sha256Hex(key)).first();
  return row !== null;
}
