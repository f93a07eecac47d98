/**
 * Per-file parse cache under target/.cache/ (dbt re-parses everything when any --vars change;
 * strata re-renders only the files that read what changed).
 *
 * - Template renders are keyed on the file's path and content, the config known before the render,
 *   the macros and the target; an entry is reused only when every var and env var the template read
 *   still has the value it saw.
 * - Parsed YAML documents are keyed on their content (only documents that validated are stored).
 *
 * Stored with v8.serialize (several times faster to load than JSON for this shape). Any problem
 * reading it means an empty cache, never an error: the cache is an optimisation.
 */
import crypto from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import type { RelationTarget, RenderState } from '../template/render-state.js';
import { valueKey } from '../template/python-float.js';

const FORMAT = 2;

export interface RenderOutcome {
  output: string;
  relations: RelationTarget[];
  configCalls: Array<Record<string, unknown>>;
  config: Record<string, unknown>;
  varsRead: Record<string, unknown>;
  envRead: Record<string, string | null>;
  readRelationAttributes: boolean;
  calledIsIncremental: boolean;
  readExecute: boolean;
  macrosCalled: string[];
}

interface RenderEntry {
  key: string;
  outcome: RenderOutcome;
}

/** A file's content hash, valid while its size, mtime and ctime are those recorded. */
interface ChecksumEntry {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  checksum: string;
}

interface CacheData {
  format: number;
  strataVersion: string;
  renders: Map<string, RenderEntry>;
  yaml: Map<string, unknown>;
  checksums: Map<string, ChecksumEntry>;
}

/**
 * A hex digest in one call: `crypto.hash` (Node 20.12+) gives the digest of `createHash(...)
 * .update(data)` without a Hash object per call (~0.6 µs less each; a cold compile hashes every
 * file and node, ~60,000 times at 10,000 models). Older Node 20 releases take the long way.
 */
export const hexDigest: (algorithm: string, data: string | Buffer) => string =
  typeof crypto.hash === 'function' ? (algorithm, data) => crypto.hash(algorithm, data, 'hex') : (algorithm, data) => crypto.createHash(algorithm).update(data).digest('hex');

/** sha1 of the parts, each followed by a NUL (hashed as one string). */
export function hashText(...parts: string[]): string {
  return hexDigest('sha1', `${parts.join('\0')}\0`);
}

export function outcomeOf(state: RenderState, output: string): RenderOutcome {
  return {
    output,
    relations: state.relations,
    configCalls: state.configCalls,
    config: state.config,
    varsRead: state.varsRead,
    envRead: state.envRead,
    readRelationAttributes: state.readRelationAttributes,
    calledIsIncremental: state.calledIsIncremental,
    readExecute: state.readExecute,
    macrosCalled: [...state.macrosCalled],
  };
}

export class ParseCache {
  #data: CacheData;
  #used: { renders: Map<string, RenderEntry>; yaml: Map<string, unknown>; checksums: Map<string, ChecksumEntry> } = { renders: new Map(), yaml: new Map(), checksums: new Map() };
  hits = 0;
  misses = 0;

  private constructor(data: CacheData, readonly path: string) {
    this.#data = data;
  }

  static load(targetDir: string, strataVersion: string): ParseCache {
    const path = join(targetDir, '.cache', 'parse-cache.bin');
    const empty: CacheData = { format: FORMAT, strataVersion, renders: new Map(), yaml: new Map(), checksums: new Map() };
    try {
      const data = v8.deserialize(readFileSync(path)) as CacheData;
      if (data.format === FORMAT && data.strataVersion === strataVersion) return new ParseCache(data, path);
    } catch {
      // missing or unreadable: start empty
    }
    return new ParseCache(empty, path);
  }

  /**
   * A cached render for `file`, if its key matches and every var/env var it read still has the
   * same value. `currentVar` returns the value a var resolves to now (or a marker when unset).
   */
  render(file: string, key: string, currentVar: (name: string) => unknown, env: Record<string, string | undefined>): RenderOutcome | undefined {
    const entry = this.#data.renders.get(file);
    if (!entry || entry.key !== key) return this.#miss();
    for (const [name, seen] of Object.entries(entry.outcome.varsRead)) {
      const now = currentVar(name);
      const wasUnset = seen !== null && typeof seen === 'object' && (seen as { unset?: unknown }).unset === true;
      if (wasUnset ? now !== undefined : valueKey(now) !== valueKey(seen)) return this.#miss();
    }
    for (const [name, seen] of Object.entries(entry.outcome.envRead)) {
      if ((env[name] ?? null) !== seen) return this.#miss();
    }
    this.hits++;
    this.#used.renders.set(file, entry);
    return entry.outcome;
  }

  /** Nothing cached (a first compile, or one after `target/` was deleted). */
  get empty(): boolean {
    return this.#data.renders.size === 0 && this.#data.yaml.size === 0;
  }

  #miss(): undefined {
    this.misses++;
    return undefined;
  }

  storeRender(file: string, key: string, outcome: RenderOutcome): void {
    this.#used.renders.set(file, { key, outcome });
  }

  yaml(textHash: string): unknown {
    const doc = this.#data.yaml.get(textHash);
    if (doc !== undefined) this.#used.yaml.set(textHash, doc);
    return doc;
  }

  storeYaml(textHash: string, doc: unknown): void {
    this.#used.yaml.set(textHash, doc);
  }

  /**
   * `compute()` (a hash of the file's content) unless the file's size, mtime and ctime are those
   * recorded with an earlier result: a large seed is then not read again on every parse.
   */
  checksum(absPath: string, compute: () => string): string {
    const st = statSync(absPath);
    const seen = this.#data.checksums.get(absPath);
    const entry = seen && seen.size === st.size && seen.mtimeMs === st.mtimeMs && seen.ctimeMs === st.ctimeMs
      ? seen
      : { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, checksum: compute() };
    this.#used.checksums.set(absPath, entry);
    return entry.checksum;
  }

  /** Writes only the entries used by this parse, so deleted files do not accumulate. */
  save(): void {
    const data: CacheData = { format: FORMAT, strataVersion: this.#data.strataVersion, renders: this.#used.renders, yaml: this.#used.yaml, checksums: this.#used.checksums };
    try {
      mkdirSync(join(this.path, '..'), { recursive: true });
      const tmp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(tmp, v8.serialize(data));
      renameSync(tmp, this.path);
    } catch {
      // a read-only target/ only costs speed
    }
    // Saved once, at the end of a parse: the entries (the YAML documents alone are ~15 MB at
    // 10,000 property files) need not stay in memory while the manifest is written.
    this.#data = { ...this.#data, renders: new Map(), yaml: new Map(), checksums: new Map() };
    this.#used = { renders: new Map(), yaml: new Map(), checksums: new Map() };
  }
}
