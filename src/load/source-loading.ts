/**
 * What `strata load` and `strata build` share: which sources of a compiled project have a `load:`
 * block, their validated specs, and a file-source factory that serves local paths and `s3://`
 * patterns (one S3 client per endpoint configuration, closed at the end).
 */
import { StrataError, StrataErrors } from '../errors/strata-error.js';
import type { Manifest, SourceNode } from '../manifest/types.js';
import { defaultFileSourceFor, type FileSourceFor } from './file-source-for.js';
import { parseLoadSpec } from './spec.js';
import type { LoadSpec } from './types.js';

export interface LoadableSource {
  node: SourceNode;
  spec: LoadSpec;
}

/** The sources among `ids` that strata loads; all spec errors are thrown together. */
export function loadableSources(manifest: Manifest, ids: Iterable<string>): LoadableSource[] {
  const out: LoadableSource[] = [];
  const errors: StrataError[] = [];
  for (const id of ids) {
    const node = manifest.sources[id];
    if (!node?.load) continue;
    const { spec, errors: specErrors } = parseLoadSpec(node);
    errors.push(...specErrors);
    if (spec) out.push({ node, spec });
  }
  if (errors.length) throw new StrataErrors(errors);
  return out;
}

export interface FileSources {
  fileSourceFor: FileSourceFor;
  close(): void;
}

/**
 * File sources for these specs. The AWS SDK (tens of MB once loaded) is imported only when a
 * pattern is `s3://`: a local load never pays for it.
 */
export async function fileSources(projectDir: string, specs: readonly LoadSpec[]): Promise<FileSources> {
  const needsS3 = specs.some((spec) => spec.files.some((f) => /^s3:\/\//i.test(f)));
  if (!needsS3) return { fileSourceFor: defaultFileSourceFor(projectDir), close: () => undefined };
  const { createS3Source } = await import('./s3/index.js');
  const clients = new Map<string, ReturnType<typeof createS3Source>>();
  const s3: FileSourceFor = (_pattern, spec) => {
    const key = JSON.stringify(spec.s3 ?? {});
    let source = clients.get(key);
    if (!source) {
      source = createS3Source({ ...(spec.s3?.endpoint ? { endpoint: spec.s3.endpoint } : {}), ...(spec.s3?.region ? { region: spec.s3.region } : {}), ...(spec.s3?.forcePathStyle !== undefined ? { forcePathStyle: spec.s3.forcePathStyle } : {}) });
      clients.set(key, source);
    }
    return source;
  };
  return {
    fileSourceFor: defaultFileSourceFor(projectDir, s3),
    close: () => {
      for (const c of clients.values()) c.close();
    },
  };
}
