/**
 * Preload for profiling strata's database round trips (not used by the scenarios):
 *
 *   STRATA_TRACE_OUT=/tmp/q.json node --import ./bench/tools/trace-queries.mjs dist/cli/main.js ... run
 *
 * (dist/cli/main.js, the unbundled CLI: dist/bin/strata.js bundles its own copy of pg.)
 *
 * Wraps pg's Client.prototype.query and connect: every query's wall time from send to result,
 * grouped by a normalised shape (literals and identifiers folded), plus connection times, written
 * as JSON to $STRATA_TRACE_OUT (default: summary on stderr) when the process exits.
 */
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(join(process.cwd(), 'package.json'));
const pg = require('pg');
const t0 = performance.now();
const shapes = new Map();
const events = [];
let connects = 0;
let connectMs = 0;

function shapeOf(text) {
  return String(text)
    .replace(/--[^\n]*\n/g, ' ')
    .replace(/'(?:[^']|'')*'/g, "'?'")
    .replace(/"[^"]*"/g, '"?"')
    .replace(/\b\d+\b/g, '?')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 120);
}

function record(text, ms, start) {
  const shape = shapeOf(text);
  const s = shapes.get(shape) ?? { shape, count: 0, ms: 0 };
  s.count++;
  s.ms += ms;
  shapes.set(shape, s);
  events.push({ at: Math.round(start - t0), ms: Math.round(ms * 100) / 100, shape: shape.slice(0, 60) });
}

const origQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, values, callback) {
  const text = typeof config === 'string' ? config : config?.text ?? (config?.constructor?.name ?? 'submittable');
  const start = performance.now();
  if (typeof values === 'function') {
    callback = values;
    values = undefined;
  }
  if (typeof callback === 'function') {
    return origQuery.call(this, config, values, (err, res) => {
      record(text, performance.now() - start, start);
      callback(err, res);
    });
  }
  const r = origQuery.call(this, config, values);
  if (r && typeof r.then === 'function') {
    return r.then(
      (res) => {
        record(text, performance.now() - start, start);
        return res;
      },
      (err) => {
        record(text, performance.now() - start, start);
        throw err;
      },
    );
  }
  // A submittable (COPY stream): timed until it ends.
  if (r && typeof r.on === 'function') {
    r.on('finish', () => record(text, performance.now() - start, start));
    r.on('end', () => record(text, performance.now() - start, start));
  }
  return r;
};

const origConnect = pg.Client.prototype.connect;
pg.Client.prototype.connect = function (cb) {
  const start = performance.now();
  const done = () => {
    connects++;
    connectMs += performance.now() - start;
  };
  if (typeof cb === 'function') {
    return origConnect.call(this, (err) => {
      done();
      cb(err);
    });
  }
  return origConnect.call(this).then((x) => {
    done();
    return x;
  });
};

process.on('exit', () => {
  const list = [...shapes.values()].sort((a, b) => b.ms - a.ms);
  const total = list.reduce((a, s) => a + s.ms, 0);
  const summary = {
    processMs: Math.round(performance.now() - t0),
    queries: list.reduce((a, s) => a + s.count, 0),
    queryMs: Math.round(total),
    connects,
    connectMs: Math.round(connectMs),
    firstQueryAtMs: events[0]?.at ?? null,
    shapes: list.map((s) => ({ count: s.count, ms: Math.round(s.ms), shape: s.shape })),
    events,
  };
  const out = process.env.STRATA_TRACE_OUT;
  if (out) writeFileSync(out, JSON.stringify(summary, null, 2));
  else process.stderr.write(JSON.stringify({ ...summary, events: undefined, shapes: summary.shapes.slice(0, 25) }, null, 2) + '\n');
});
