import { describe, expect, it } from 'vitest';
import { pointer, validateJsonSchema, type JsonSchema } from './jsonSchema.js';

const check = (schema: JsonSchema, value: unknown) =>
  validateJsonSchema(schema, value).map((e) => `${e.path}: ${e.message}`);

describe('validateJsonSchema', () => {
  it('checks types, including integer, nullable type lists and non-finite numbers', () => {
    expect(check({ type: 'integer' }, 3)).toEqual([]);
    expect(check({ type: 'integer' }, 3.5)).toEqual([': must be integer, got number']);
    expect(check({ type: 'number' }, Infinity)).toEqual([': must be number, got Infinity']);
    expect(check({ type: ['string', 'null'] }, null)).toEqual([]);
    expect(check({ type: ['string', 'null'] }, 1)).toEqual([
      ': must be string or null, got integer',
    ]);
    expect(check({ type: 'object' }, [])).toEqual([': must be object, got array']);
    expect(check({ type: 'array' }, {})).toEqual([': must be array, got object']);
  });

  it('checks numbers, strings, arrays, enum and const', () => {
    const s: JsonSchema = {
      type: 'object',
      properties: {
        a: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
        b: { type: 'string', minLength: 2, pattern: '^x' },
        c: { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 2 },
        d: { enum: ['p', 'q'] },
        e: { const: { z: [1] } },
        f: { type: 'string', format: 'date-time' },
      },
    };
    expect(
      check(s, { a: 0, b: 'xy', c: [1], d: 'q', e: { z: [1] }, f: '2024-02-29T23:59:59+01:00' }),
    ).toEqual([]);
    expect(
      check(s, { a: 1, b: 'y', c: [1, 2.5, 3], d: 'r', e: { z: [2] }, f: '2024-02-30' }),
    ).toEqual([
      '/a: must be < 1, got 1',
      '/b: must have at least 2 character(s)',
      '/b: must match /^x/, got "y"',
      '/c: must have at most 2 item(s), got 3',
      '/c/1: must be integer, got number',
      '/d: must be one of "p", "q", got "r"',
      '/e: must be {"z":[1]}',
      '/f: must be an RFC 3339 date-time such as 2024-05-01T12:00:00.000Z, got "2024-02-30"',
    ]);
  });

  it('checks required, additionalProperties (false or a schema) and escapes pointers', () => {
    const s: JsonSchema = {
      type: 'object',
      required: ['a/b'],
      properties: { 'a/b': { type: 'string' } },
      additionalProperties: false,
    };
    expect(check(s, {})).toEqual(['/a~1b: is required']);
    expect(check(s, { 'a/b': 's', 'x~y': 1 })).toEqual([
      '/x~0y: is not an allowed property (allowed: a/b)',
    ]);
    expect(check({ type: 'object', additionalProperties: { type: 'string' } }, { k: 1 })).toEqual([
      '/k: must be string, got integer',
    ]);
    expect(pointer('', 'a~/b')).toBe('/a~0~1b');
  });

  it('resolves local $refs and rejects others', () => {
    const s: JsonSchema = {
      $defs: { pos: { type: 'integer', minimum: 1 } },
      type: 'array',
      items: { $ref: '#/$defs/pos' },
    };
    expect(check(s, [1, 0])).toEqual(['/1: must be >= 1, got 0']);
    expect(() => validateJsonSchema({ $ref: '#/$defs/missing' }, 1)).toThrow(/unknown \$ref/);
    expect(() => validateJsonSchema({ $ref: 'https://x/y.json' }, 1)).toThrow(/unsupported/);
  });

  it('reports unions: closest branch, tagged branch, and oneOf ambiguity', () => {
    const untagged: JsonSchema = { anyOf: [{ type: 'string' }, { type: 'integer', minimum: 0 }] };
    expect(check(untagged, 'a')).toEqual([]);
    expect(check(untagged, -1)).toEqual([
      ': must match one of 2 alternatives',
      ': must be >= 0, got -1',
    ]);
    const constOrObject: JsonSchema = {
      anyOf: [{ const: false }, { type: 'object', required: ['n'] }],
    };
    expect(check(constOrObject, {})).toEqual([
      ': must match one of 2 alternatives',
      '/n: is required',
    ]);
    expect(check(constOrObject, true)).toEqual([
      ': must match one of 2 alternatives',
      ': must be false',
    ]);
    const ambiguous: JsonSchema = { oneOf: [{ type: 'number' }, { type: 'integer' }] };
    expect(check(ambiguous, 1.5)).toEqual([]);
    expect(check(ambiguous, 1)).toEqual([': must match exactly one alternative, matches 2']);
    const tagged: JsonSchema = {
      oneOf: [
        {
          type: 'object',
          required: ['t'],
          properties: { t: { const: 'a' }, n: { type: 'integer' } },
        },
        {
          type: 'object',
          required: ['t'],
          properties: { t: { const: 'b' }, s: { type: 'string' } },
        },
      ],
    };
    expect(check(tagged, { t: 'b', s: 1 })).toEqual(['/s: must be string, got integer']);
    expect(check(tagged, { t: 'c' })).toEqual(['/t: must be one of "a", "b", got "c"']);
  });
});
