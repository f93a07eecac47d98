/**
 * Output: rows collected into large string chunks and written with backpressure (no file-system
 * call per row), to a plain file or to a member of a .zip. Files are written under a temporary
 * name and renamed at the end; a file whose new bytes equal the existing file's is left untouched
 * (its mtime too), so a loader that versions files by mtime sees only what really changed.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { once } from 'node:events';

const CHUNK_BYTES = 1 << 20;
const STREAM_HWM = 4 << 20;

/**
 * Lines of one output file (or zip member), encoded straight into a byte buffer: no big joined
 * strings, and each line is garbage as soon as it is copied.
 */
export class LineSink {
  private buf = Buffer.allocUnsafe(CHUNK_BYTES + (64 << 10));
  private used = 0;
  /** Lines pushed so far (the next line's 1-based number is lines + 1). */
  lines = 0;

  constructor(private readonly target: Writable) {}

  push(line: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit
    if (this.used + line.length * 3 + 1 > this.buf.length) this.spill(line.length * 3 + 1);
    this.used += this.buf.write(line, this.used, 'utf8');
    this.buf[this.used++] = 0x0a;
    this.lines++;
  }

  /** Queues the filled part for the stream and continues in a fresh buffer (the stream keeps the old one). */
  private spill(need: number): void {
    this.pending.push(this.buf.subarray(0, this.used));
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES + (64 << 10), need));
    this.used = 0;
  }

  private pending: Buffer[] = [];

  get needsFlush(): boolean {
    return this.used >= CHUNK_BYTES || this.pending.length > 0;
  }

  async flush(): Promise<void> {
    if (this.used > 0) this.spill(0);
    const chunks = this.pending;
    this.pending = [];
    for (const chunk of chunks) {
      if (chunk.length > 0 && !this.target.write(chunk)) await once(this.target, 'drain');
    }
  }

  /** Flushes and ends the underlying stream. */
  async end(): Promise<void> {
    await this.flush();
    this.target.end();
  }
}

export type FileStatus = 'written' | 'unchanged';

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: STREAM_HWM })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Moves tmp to path unless path already holds exactly the same bytes. */
async function commit(tmp: string, path: string): Promise<FileStatus> {
  const [a, b] = await Promise.all([stat(tmp), stat(path).catch(() => null)]);
  if (b && b.size === a.size && (await sha256(tmp)) === (await sha256(path))) {
    await unlink(tmp);
    return 'unchanged';
  }
  await rename(tmp, path);
  return 'written';
}

const tmpName = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}.partial`);

async function finished(stream: WriteStream): Promise<void> {
  if (stream.closed) return;
  await once(stream, 'close');
}

export class TextFile {
  readonly sink: LineSink;
  private readonly stream: WriteStream;
  private readonly tmp: string;

  constructor(readonly path: string) {
    this.tmp = tmpName(path);
    this.stream = createWriteStream(this.tmp, { highWaterMark: STREAM_HWM });
    this.sink = new LineSink(this.stream);
  }

  async close(): Promise<FileStatus> {
    await this.sink.end();
    await finished(this.stream);
    return commit(this.tmp, this.path);
  }
}

interface YazlZipFile {
  outputStream: Readable;
  addReadStream(stream: Readable, name: string, options?: Record<string, unknown>): void;
  end(): void;
}
const yazl = createRequire(import.meta.url)('yazl') as { ZipFile: new () => YazlZipFile };

/** Fixed entry time (local-time fields, DOS timestamp only) so archives are byte-identical everywhere. */
const ZIP_MTIME = new Date(2000, 0, 1, 0, 0, 0);

export class ZipArchive {
  private readonly zip: YazlZipFile;
  private readonly stream: WriteStream;
  private readonly tmp: string;
  private current: LineSink | null = null;

  constructor(
    readonly path: string,
    private readonly compressionLevel = 6,
  ) {
    this.tmp = tmpName(path);
    this.zip = new yazl.ZipFile();
    this.stream = createWriteStream(this.tmp, { highWaterMark: STREAM_HWM });
    this.zip.outputStream.pipe(this.stream);
  }

  /** Starts the next member; the previous one must be ended first (members are written in order). */
  member(name: string): LineSink {
    if (this.current) throw new Error('ZipArchive: end the previous member first');
    const pass = new PassThrough({ highWaterMark: STREAM_HWM });
    this.zip.addReadStream(pass, name, {
      mtime: ZIP_MTIME,
      forceDosTimestamp: true,
      mode: 0o100644,
      compressionLevel: this.compressionLevel,
    });
    this.current = new LineSink(pass);
    return this.current;
  }

  async endMember(): Promise<void> {
    if (!this.current) return;
    await this.current.end();
    this.current = null;
  }

  async close(): Promise<FileStatus> {
    await this.endMember();
    this.zip.end();
    await finished(this.stream);
    return commit(this.tmp, this.path);
  }
}
