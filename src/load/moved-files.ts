/**
 * A file the ledger does not know may be one it does under another path: the folder the files
 * live in moved (a `raw_path` var pointed at a new disk, the files copied to S3), or the project
 * moved with files outside it. Loading it as new would add its rows a second time beside the old
 * ones, which stay because a vanished file keeps its rows. So a new file is compared with the
 * loaded files of its source that were not found this time ("vanished"), and it is one of them,
 * moved, when both hold:
 *
 * - **the same place below the data's root**: its path below its pattern's static base (the part
 *   before the first glob character: `data/raw` of `data/raw/**\/*.txt`, plus `!member` in a zip)
 *   is the vanished file's. When the vanished file lies under the same base, its path below it
 *   must be equal; under another base of the source's patterns, it is another place's file; under
 *   none (the root itself moved), its path must end with that part;
 * - **the same bytes**: the sha1 of the new file's bytes is the vanished file's checksum.
 *
 * Then its load replaces that file's rows in the same transaction. Both conditions matter: files
 * archived after loading are followed by new files that may hold the very same bytes under
 * another name (a daily snapshot that did not change, `inventory_2024-01-02.csv` after
 * `inventory_2024-01-01.csv`, or `2024-01-02/inventory.csv` after `2024-01-01/inventory.csv`):
 * those are new files, and the archived file's rows must stay. A file renamed, recompressed or
 * moved to another folder below the same root is therefore new too (README: remove the old rows
 * with `--full-refresh`).
 *
 * Hashing reads the file, so it is done only for a file whose path matched a vanished one.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import picomatch from 'picomatch';
import type { LedgerEntry } from './ledger.js';
import { sha1Of } from './same-content.js';
import type { FileRef, FileSource } from './types.js';

/** A uri's file path and its zip member (`a.zip!x.txt` -> `a.zip`, `!x.txt`). */
function splitMember(uri: string, member: string | undefined): { path: string; member: string } {
  if (member === undefined) return { path: uri, member: '' };
  return { path: uri.slice(0, uri.length - member.length - 1), member: `!${member}` };
}

/** A ledger identity as an absolute path or URI, comparable with a pattern's base. */
function absoluteIdentity(uri: string, projectDir: string): string {
  return /^s3:\/\//i.test(uri) || isAbsolute(uri) ? uri : resolve(projectDir, uri);
}

/** The static base of a `files:` pattern, absolute (or the s3:// URI up to the first glob). */
export function patternBase(pattern: string, projectDir: string): string {
  const absolute = /^s3:\/\//i.test(pattern) ? pattern : resolve(projectDir, pattern);
  const scan = picomatch.scan(absolute);
  return scan.isGlob ? scan.base.replace(/\/+$/, '') : dirname(absolute);
}

export class MovedFiles {
  private readonly candidates: Array<{ entry: LedgerEntry; absolute: string }>;

  private readonly bases: string[];

  /**
   * `vanished`: the source's loaded entries whose files were not listed this time; `patterns`: all
   * of the source's `files:` patterns (a vanished file under any of their bases is a file of that
   * place, not of a moved root).
   */
  constructor(vanished: Iterable<LedgerEntry>, patterns: readonly string[], private readonly projectDir: string) {
    this.bases = patterns.map((p) => patternBase(p, projectDir));
    this.candidates = [...vanished]
      .filter((e) => e.checksum !== null)
      .map((entry) => ({ entry, absolute: absoluteIdentity(entry.fileUri, projectDir) }));
  }

  /**
   * The vanished entry that this new file, listed by `pattern`, is (see the file comment),
   * claimed so that no other file matches it; undefined when there is none (or the file cannot
   * be read: its load will say why).
   */
  async match(source: FileSource, file: FileRef, pattern: string): Promise<LedgerEntry | undefined> {
    if (this.candidates.length === 0) return undefined;
    const base = patternBase(pattern, this.projectDir);
    const { path, member } = splitMember(absoluteIdentity(file.uri, this.projectDir), file.member);
    if (!path.startsWith(`${base}/`)) return undefined;
    const below = `${path.slice(base.length + 1)}${member}`;
    const under = (absolute: string, b: string) => absolute.startsWith(`${b}/`);
    const samePlace = this.candidates.filter(({ absolute }) =>
      // Under the same base: the same path below it. Under another base of the source (another
      // folder it reads, `exports/2024-01/` beside `exports/2024-02/`): a file of its own. Under
      // none: the root moved, so its path ends with the same part.
      under(absolute, base) ? absolute.slice(base.length + 1) === below : !this.bases.some((b) => under(absolute, b)) && absolute.endsWith(`/${below}`));
    if (samePlace.length === 0) return undefined;
    let sha1: string;
    try {
      sha1 = await sha1Of(source, file);
    } catch {
      return undefined;
    }
    const found = samePlace.find((c) => c.entry.checksum === sha1);
    if (!found) return undefined;
    this.candidates.splice(this.candidates.indexOf(found), 1);
    return found.entry;
  }
}
