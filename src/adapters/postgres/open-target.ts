/**
 * From a profile target to a usable Database: starts (or reuses) the embedded server for
 * `type: embedded`, opens the pool, and probes the server once so an unreachable database fails
 * before any node runs, with the server's capabilities as a by-product.
 */
import { detectCapabilities, type Capabilities } from './capabilities.js';
import { createPool, type Database, type PoolOptions } from './connection.js';
import { ensureEmbeddedServer, type EmbeddedServer, type EmbeddedServerOptions } from './embedded-server.js';
import type { TargetConfig } from './target.js';

export interface OpenTargetOptions extends PoolOptions {
  /** Passed to ensureEmbeddedServer for `type: embedded` targets. */
  embedded?: EmbeddedServerOptions;
  /** Connections to open side by side with the probe (Database.warm); default 1, the probe's. */
  connections?: number;
}

export interface OpenedTarget {
  db: Database;
  /** The target with `url` filled in (embedded targets); contains the password, mask to print. */
  target: TargetConfig;
  capabilities: Capabilities;
  /** Set for embedded targets. */
  embedded?: EmbeddedServer;
  /** Closes the pool, then releases the embedded server (stopping it if this command started it). */
  close(): Promise<void>;
}

export async function openTarget(projectDir: string, target: TargetConfig, opts: OpenTargetOptions = {}): Promise<OpenedTarget> {
  let embedded: EmbeddedServer | undefined;
  let resolved = target;
  if (target.type === 'embedded') {
    embedded = await ensureEmbeddedServer(projectDir, {
      ...(target.dbname ? { database: target.dbname } : {}),
      ...opts.embedded,
    });
    resolved = { ...target, url: embedded.url };
  }
  const { embedded: _embeddedOpts, connections = 1, ...poolOptions } = opts;
  const db = createPool(resolved, poolOptions);
  let capabilities: Capabilities;
  try {
    // The probe takes one connection; warm() opens the others at the same time.
    [capabilities] = await Promise.all([detectCapabilities(db), connections > 1 ? db.warm(connections - 1) : undefined]);
  } catch (err) {
    await db.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw err;
  }
  let closed = false;
  return {
    db,
    target: resolved,
    capabilities,
    ...(embedded ? { embedded } : {}),
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await db.close();
      } finally {
        await embedded?.stop();
      }
    },
  };
}
