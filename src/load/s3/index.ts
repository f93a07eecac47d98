export { createS3Source, type S3FileSource, type S3SourceOptions } from './s3-source.js';
export { parseS3Uri, isS3Pattern, staticPrefix, compressionOf, type S3Location } from './s3-uri.js';
export { s3NoMatchError } from './s3-errors.js';
