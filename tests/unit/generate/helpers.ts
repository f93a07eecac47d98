/**
 * Helpers of the generator's tests: temporary output folders, a small generation cache (several
 * tests read the same release), and a minimal .zip reader (central directory + inflate).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll } from 'vitest';
import { generateRelease, type GenerateOptions, type GenerateResult } from '../../../scripts/generate/index.js';

const dirs: string[] = [];

export function tempDir(prefix = 'strata-gen-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

export async function generate(options: Omit<GenerateOptions, 'out'> & { out?: string }): Promise<GenerateResult & { out: string }> {
  const out = options.out ?? tempDir();
  const result = await generateRelease({ ...options, out });
  return { ...result, out };
}

/** Members of a .zip, name → bytes (stored or deflated entries; no zip64). */
export function readZip(path: string): Map<string, Buffer> {
  const buf = readFileSync(path);
  let eocd = -1;
  for (let i = buf.length - 22; i >= 0; i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${path}: no end of central directory`);
  const entries = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let e = 0; e < entries; e++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${path}: bad central directory entry`);
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(dataStart, dataStart + compressed);
    out.set(name, method === 0 ? Buffer.from(data) : inflateRawSync(data));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** The lines of a file entry of the ground truth (a plain file or a zip member), without the final newline. */
export function entryLines(out: string, file: string, member: string | null): string[] {
  const bytes = member === null ? readFileSync(join(out, file)) : readZip(join(out, file)).get(member);
  if (!bytes) throw new Error(`${file}: no member ${member}`);
  const text = bytes.toString('utf8');
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new Error(`${file}${member ? `!${member}` : ''}: no final newline`);
  return text.slice(0, -1).split('\n');
}
