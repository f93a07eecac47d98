/**
 * A file the ledger does not know may be one it does under another name: renamed, moved to
 * another folder (a data folder reorganised, a release unpacked elsewhere, moved from local disk
 * to S3), or taken out of or put into a zip archive. Loading it as new would add its rows a second
 * time beside the old ones, which stay because a vanished file keeps its rows. So a new file is
 * compared with the loaded files of its source that were not found this time ("vanished"): when
 * its bytes (sha1, the checksum the ledger records) equal one's, it is that file moved, and its
 * load replaces that file's rows in the same transaction.
 *
 * Only the same bytes prove a move. A vanished file with the same name but other bytes may be a
 * re-published release moved at the same time, or an unrelated file of a later partition that
 * reuses names (`part-0000.csv`), so it is a new file and the old rows stay.
 *
 * Hashing reads the file, so it is done only for a new file that could match: a vanished entry
 * of the same size (a plain file, a zip member and the same member moved out have one size), or
 * of the same name once `.gz` is dropped (recompressing changes the stored size).
 */
import { basename } from 'node:path';
import type { LedgerEntry } from './ledger.js';
import { sha1Of } from './same-content.js';
import type { FileRef, FileSource } from './types.js';

/** The name a file keeps across moves: the member's inside a zip, else the base name, without `.gz`. */
export function stemOf(uri: string): string {
  const bang = uri.lastIndexOf('!');
  const name = basename(bang >= 0 ? uri.slice(bang + 1) : uri).toLowerCase();
  return name.endsWith('.gz') ? name.slice(0, -3) : name;
}

export class MovedFiles {
  private readonly candidates: LedgerEntry[];

  /** `vanished`: the source's loaded entries whose files were not listed this time. */
  constructor(vanished: Iterable<LedgerEntry>) {
    this.candidates = [...vanished].filter((e) => e.checksum !== null);
  }

  /**
   * The vanished entry whose bytes this new file holds, claimed so that no other file matches it;
   * undefined when there is none (or the file cannot be read: its load will say why).
   */
  async match(source: FileSource, file: FileRef): Promise<LedgerEntry | undefined> {
    const stem = stemOf(file.uri);
    const possible = this.candidates.filter((e) => e.size === file.size || stemOf(e.fileUri) === stem);
    if (possible.length === 0) return undefined;
    let sha1: string;
    try {
      sha1 = await sha1Of(source, file);
    } catch {
      return undefined;
    }
    const found = possible.find((e) => e.checksum === sha1);
    if (found) this.candidates.splice(this.candidates.indexOf(found), 1);
    return found;
  }
}
