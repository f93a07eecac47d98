import { describe, expect, it } from 'vitest';
import { persistDocsOf, persistDocsStatements } from '../../../src/materializations/persist-docs.js';
import { parseProject } from '../../../src/compile/parse-project.js';
import { cleanupProjects, writeProject } from '../../helpers/temp-project.js';
import { model } from './helpers.js';

cleanupProjects();

const documented = (persist: unknown) => {
  const node = model({ config: { persist_docs: persist } });
  node.description = "Orders, one per order; the 'net' amount";
  node.columns = {
    id: { name: 'id', description: 'Order id', tests: [], meta: {} },
    note: { name: 'note', description: '', tests: [], meta: {} },
    odd: { name: 'odd', description: 'has $strata_docs$ in it', tests: [], meta: {} },
  };
  return node;
};
const relation = { schema: 'shop', identifier: 'orders' };

describe('persist_docs statements', () => {
  it('nothing without persist_docs, or with a malformed one', () => {
    expect(persistDocsStatements(documented(undefined), relation, 'table')).toEqual([]);
    expect(persistDocsStatements(documented(true), relation, 'table')).toEqual([]);
    expect(persistDocsOf(documented({ relation: true }).config)).toEqual({ relation: true, columns: false });
  });

  it('the relation comment is a quoted literal; an empty description clears it', () => {
    const [stmt] = persistDocsStatements(documented({ relation: true }), relation, 'view');
    expect(stmt!.sql).toBe(`comment on view "shop"."orders" is 'Orders, one per order; the ''net'' amount'`);
    const empty = documented({ relation: true });
    empty.description = '  ';
    expect(persistDocsStatements(empty, relation, 'table')[0]!.sql).toBe('comment on table "shop"."orders" is null');
  });

  it('columns go through one DO block whose dollar quote does not occur in the descriptions', () => {
    const stmts = persistDocsStatements(documented({ columns: true }), relation, 'table');
    expect(stmts).toHaveLength(1);
    const sql = stmts[0]!.sql;
    expect(sql).toContain("(values ('id', 'Order id'), ('note', null), ('odd', 'has $strata_docs$ in it'))");
    expect(sql.startsWith('do $strata_docs_0$\n')).toBe(true);
    expect(sql.endsWith('\n$strata_docs_0$')).toBe(true);
  });
});

describe('persist_docs config', () => {
  it('a value that is not {relation, columns} booleans is a config error naming the model', () => {
    for (const value of ['true', "{relation: 'yes'}", '{relations: true}']) {
      const dir = writeProject({ 'project.yml': 'name: proj\n', 'models/a.sql': `{{ config(persist_docs=${value === 'true' ? 'true' : value.replace(/(\w+):/g, "'$1':")}) }}\nselect 1 as id` });
      const result = parseProject(dir, { env: {}, cache: false });
      expect(result.errors.map((e) => [e.location?.file, e.message])).toEqual([['models/a.sql', expect.stringContaining('persist_docs must be a mapping like {relation: true, columns: true}')]]);
    }
  });
});
