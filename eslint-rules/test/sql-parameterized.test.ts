import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { RuleTester, type Rule } from 'eslint';
import tseslint from 'typescript-eslint';

const rule = createRequire(__filename)('../sql-parameterized.cjs') as Rule.RuleModule;
const root = path.resolve(__dirname, '..', '..');

const tester = new RuleTester({ languageOptions: { parser: tseslint.parser, sourceType: 'module' } });

tester.run('ops/sql-parameterized', rule, {
  valid: [
    "pool.query('SELECT 1')",
    'pool.query(`SELECT * FROM users WHERE id = $1`, [id])',
    "const COLUMNS = 'id, name'; pool.query(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);",
    // One constant used twice, and constants made of constants.
    "const C = 'id'; const S = `${C}, name`; pool.query(`SELECT ${C}, ${S} FROM t ORDER BY ${C}`);",
    "const F: Record<S, string> = { open: 'a IS NULL', all: 'true' }; pool.query(`SELECT 1 WHERE ${F[s]}`);",
    "const F = { open: 'a IS NULL' } as const; pool.query(`SELECT 1 WHERE ${F.open}`);",
    "const R = after ? `AND (t, id) > ($3, $4)` : ''; pool.query(`SELECT 1 ${R} LIMIT $2`, params);",
    'client.query(`CREATE DATABASE ${quoteIdent(name)}`)',
    "const SQL = 'SELECT 1'; client.query(SQL);",
    "pool.query({ text: 'SELECT $1::int', values: [1] })",
    'cache.get(`key:${id}`)',
  ],
  invalid: [
    {
      code: "pool.query(`SELECT * FROM users WHERE id = '${id}'`)",
      errors: [{ messageId: 'built', data: { part: 'id' } }],
    },
    {
      code: "pool.query('SELECT * FROM users WHERE name = ' + name)",
      errors: [{ messageId: 'built', data: { part: 'name' } }],
    },
    {
      code: "let order = 'id'; if (x) order = input; pool.query(`SELECT 1 ORDER BY ${order}`);",
      errors: [{ messageId: 'built', data: { part: 'order' } }],
    },
    {
      // A constant that is itself built from a value is followed to where the value comes in.
      code: 'const sql = `DELETE FROM t WHERE id = ${id}`; pool.query(sql);',
      errors: [{ messageId: 'built', data: { part: 'id' } }],
    },
    {
      code: "const F = { a: 'x', b: input }; pool.query(`SELECT 1 WHERE ${F[k]}`);",
      errors: [{ messageId: 'built', data: { part: 'F[k]' } }],
    },
    {
      code: 'pool.query(`SELECT ${format(col)} FROM t`)',
      errors: [{ messageId: 'built', data: { part: 'format(col)' } }],
    },
    {
      code: 'function run(sql: string) { return pool.query(sql); }',
      errors: [{ messageId: 'unverifiable', data: { part: 'sql' } }],
    },
    {
      code: 'pool.query({ text: `SELECT ${col} FROM t` })',
      errors: [{ messageId: 'built', data: { part: 'col' } }],
    },
    {
      code: 'const A: string = B; const B: string = A; pool.query(`SELECT ${A}`);',
      errors: [{ messageId: 'built' }],
    },
    {
      code: 'pool.query<Row>(`SELECT 1 LIMIT ${limit}`, [])',
      errors: [{ messageId: 'built', data: { part: 'limit' } }],
    },
  ],
});

describe('the project lint', () => {
  it('fails on string-built SQL in the sources, with the real config', () => {
    const counterExample = [
      "import type { Pool } from 'pg';",
      'export async function findUser(pool: Pool, email: string) {',
      "  return pool.query(`SELECT id FROM users WHERE email = '${email}'`);",
      '}',
      '',
    ].join('\n');
    const eslint = path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
    const run = spawnSync(
      process.execPath,
      [eslint, '--format', 'json', '--stdin', '--stdin-filename', 'core/src/db/counter-example.ts'],
      { cwd: root, input: counterExample, encoding: 'utf8' },
    );
    expect(run.status).toBe(1);
    const [result] = JSON.parse(run.stdout) as Array<{ messages: Array<{ ruleId: string; line: number }> }>;
    expect(result!.messages.map((m) => [m.ruleId, m.line])).toEqual([['ops/sql-parameterized', 3]]);
  });
});
