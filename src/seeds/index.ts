/** Seeds: CSV files loaded with COPY. See README.md. */
export { seedChecksum } from './checksum.js';
export { copyChunks, encodeCsvRow, encodeTextRow, escapeCopyText, type CopyFormat, type RowEncoding } from './copy-encoding.js';
export { checkDelimiter, locateRecordLine, readCsvRecords, type CsvSourceOptions } from './csv-source.js';
export { classifyValue, inferColumnType, isNullValue, Kind, kindToType, mergeKinds, TypeTracker, type InferredType } from './infer-types.js';
export { loadSeed, type LoadSeedOptions, type LoadSeedResult } from './load-seed.js';
export { columnsFromHeader, inferSeedSchema, seedColumnName, type CopyPlan, type SeedColumn, type SeedSchema, type SeedSchemaOptions } from './seed-schema.js';
