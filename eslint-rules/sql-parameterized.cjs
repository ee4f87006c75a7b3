// @ts-check
'use strict';

/**
 * `ops/sql-parameterized`: the SQL text handed to `<anything>.query(…)` must be fixed at build time, so every
 * value reaches Postgres as a `$n` parameter and none can change the statement. Accepted as SQL text:
 * - string literals, and template literals / `+` concatenations / `?:` whose every part is accepted;
 * - a `const` of the same file initialised with accepted SQL text (`const COLUMNS = 'id, name'`);
 * - `X[k]` or `X.k` where `X` is a `const` object literal whose every value is accepted text (a fixed menu of
 *   fragments: whatever `k` is, only those fragments can come out);
 * - calls of the vetted identifier quoters named in the `identifierFunctions` option (default `quoteIdent`).
 * Anything else (a parameter, a `let`, an import, a call, a property of an object from elsewhere) is reported:
 * string-built SQL when it is interpolated into the text, unverifiable SQL when it is the whole text. A place
 * that must run SQL from elsewhere (migration files) says so with an eslint-disable comment and its reason.
 */

/** @typedef {import('eslint').Rule.RuleModule} RuleModule */
/** @typedef {import('estree').Node} Node */
/** @typedef {import('eslint').Scope.Scope} Scope */

/** Type-only wrappers (`x as const`, `x satisfies T`, `x!`) that do not change the value. */
const TYPE_WRAPPERS = new Set(['TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression']);

/** @param {any} node */
function unwrap(node) {
  let current = node;
  while (current && TYPE_WRAPPERS.has(current.type)) current = current.expression;
  return current;
}

/** @param {Scope | null} scope @param {string} name */
function findVariable(scope, name) {
  for (let s = scope; s; s = s.upper) {
    const variable = s.set.get(name);
    if (variable) return variable;
  }
  return undefined;
}

/** The initialiser of `const name = …` visible from `scope`, or undefined for anything else. */
function constInit(/** @type {Scope} */ scope, /** @type {string} */ name) {
  const variable = findVariable(scope, name);
  const def = variable?.defs.length === 1 ? variable.defs[0] : undefined;
  if (!def || def.type !== 'Variable') return undefined;
  const declarator = /** @type {any} */ (def.node);
  const declaration = /** @type {any} */ (def.parent);
  if (declaration?.kind !== 'const' || declarator.id.type !== 'Identifier' || !declarator.init)
    return undefined;
  return declarator.init;
}

/** @type {RuleModule} */
module.exports = {
  meta: {
    type: 'problem',
    docs: { description: 'SQL passed to .query() must be fixed text; values go in as $n parameters' },
    schema: [
      {
        type: 'object',
        properties: { identifierFunctions: { type: 'array', items: { type: 'string' } } },
        additionalProperties: false,
      },
    ],
    messages: {
      built: 'SQL built from `{{part}}`: pass values as $n parameters (or use a vetted constant or quoter)',
      unverifiable:
        'SQL text `{{part}}` cannot be checked to be fixed text: pass a literal or a const of this file',
    },
  },

  create(context) {
    const quoters = new Set(context.options[0]?.identifierFunctions ?? ['quoteIdent']);
    const source = context.sourceCode;

    /**
     * The first part of `raw` that is not fixed SQL text, or undefined when all of it is. `active` holds the
     * constants being followed, so a cycle counts as not fixed rather than looping.
     * @param {any} raw @param {Set<any>} active
     * @returns {any}
     */
    function unfixed(raw, active) {
      const node = unwrap(raw);
      if (!node) return raw;
      switch (node.type) {
        case 'Literal':
          return typeof node.value === 'string' || typeof node.value === 'number' ? undefined : node;
        case 'TemplateLiteral':
          return node.expressions.map((/** @type {any} */ e) => unfixed(e, active)).find(Boolean);
        case 'BinaryExpression':
          if (node.operator !== '+') return node;
          return unfixed(node.left, active) ?? unfixed(node.right, active);
        case 'ConditionalExpression':
          // The condition only picks one of two fixed texts.
          return unfixed(node.consequent, active) ?? unfixed(node.alternate, active);
        case 'Identifier': {
          const init = constInit(source.getScope(node), node.name);
          if (init === undefined || active.has(init)) return node;
          active.add(init);
          const inner = unfixed(init, active);
          active.delete(init);
          return inner;
        }
        case 'MemberExpression': {
          const object = unwrap(node.object);
          const init =
            object?.type === 'Identifier' ? unwrap(constInit(source.getScope(node), object.name)) : undefined;
          if (init?.type !== 'ObjectExpression' || active.has(init)) return node;
          active.add(init);
          const values = init.properties.map((/** @type {any} */ p) => (p.type === 'Property' ? p.value : p));
          const bad = values.some((/** @type {any} */ v) => unfixed(v, active));
          active.delete(init);
          return bad ? node : undefined;
        }
        case 'CallExpression': {
          const callee = unwrap(node.callee);
          return callee?.type === 'Identifier' && quoters.has(callee.name) ? undefined : node;
        }
        default:
          return node;
      }
    }

    return {
      CallExpression(node) {
        const callee = node.callee;
        if (callee.type !== 'MemberExpression' || callee.computed) return;
        if (callee.property.type !== 'Identifier' || callee.property.name !== 'query') return;
        const [first] = node.arguments;
        if (!first) return;
        // pg's config form: { text, values }.
        const config = unwrap(first);
        const text =
          config.type === 'ObjectExpression'
            ? config.properties.find(
                (/** @type {any} */ p) =>
                  p.type === 'Property' && p.key.type === 'Identifier' && p.key.name === 'text',
              )?.value
            : first;
        if (!text) return;
        const bad = unfixed(text, new Set());
        if (!bad) return;
        const part = source.getText(bad).replace(/\s+/g, ' ').slice(0, 60);
        const whole = unwrap(bad) === unwrap(text);
        context.report({ node: bad, messageId: whole ? 'unverifiable' : 'built', data: { part } });
      },
    };
  },
};
