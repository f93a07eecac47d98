/**
 * Imported by connection.ts just before `pg`. When pg is first loaded it asks whether it runs in a
 * Cloudflare Worker (pg/lib/stream.js): through `navigator.userAgent` where a `navigator` exists
 * (Node 21+), else by creating a `Response`. On Node 20 touching that global loads Node's whole
 * fetch implementation (undici): 15-23 ms of CPU on every strata command, for an answer known in
 * advance. So on a Node without `navigator`, a minimal one (what Node 21+ would answer) stands in
 * while pg loads, and connection.ts removes it right after.
 */
const absent = !('navigator' in globalThis);
if (absent) {
  Object.defineProperty(globalThis, 'navigator', { value: { userAgent: `Node.js/${process.versions.node}` }, configurable: true, writable: true });
}

/** Removes the stand-in (if one was put there): nothing else sees it. */
export function endPgRuntimeProbe(): void {
  if (absent) delete (globalThis as { navigator?: unknown }).navigator;
}
