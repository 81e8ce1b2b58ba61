/**
 * A small JSON Schema (draft 2020-12) validator for the subset of keywords Graft's own schemas
 * use. A dependency such as ajv would do more, but the lineage schema is hand-written and
 * small, and this keeps `@graft/core/lineage` free of runtime dependencies. Keywords outside
 * {@link JsonSchema} are not supported: the type makes a schema that uses them fail to compile.
 */

export type JsonType = 'null' | 'boolean' | 'object' | 'array' | 'number' | 'integer' | 'string';

/** The supported subset of JSON Schema draft 2020-12. */
export interface JsonSchema {
  $schema?: string;
  $id?: string;
  /** Only local references, `#/$defs/<name>`. */
  $ref?: string;
  $defs?: { readonly [name: string]: JsonSchema };
  title?: string;
  description?: string;
  /** A list means any of these types; `['object', 'null']` is how a nullable object is written. */
  type?: JsonType | readonly JsonType[];
  properties?: { readonly [name: string]: JsonSchema };
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  enum?: readonly unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  /** ECMAScript regular expression, unanchored as the spec says. */
  pattern?: string;
  /** Asserted (not just an annotation) for `date-time`: RFC 3339 with a time zone. */
  format?: 'date-time';
  anyOf?: readonly JsonSchema[];
  oneOf?: readonly JsonSchema[];
}

/** One violation: where (a JSON Pointer into the value, `''` for the root) and what. */
export interface SchemaError {
  path: string;
  message: string;
}

/**
 * Validates a JSON value against a schema of the supported subset.
 * @returns every violation found, empty when the value is valid.
 */
export function validateJsonSchema(schema: JsonSchema, value: unknown): SchemaError[] {
  const errors: SchemaError[] = [];
  validate(schema, value, '', schema, errors);
  return errors;
}

/** Appends a property name or index to a JSON Pointer (RFC 6901 escaping). */
export function pointer(base: string, key: string | number): string {
  return `${base}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

const RFC3339 =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

function validate(
  schema: JsonSchema,
  value: unknown,
  path: string,
  root: JsonSchema,
  errors: SchemaError[],
): void {
  if (schema.$ref !== undefined) {
    validate(resolveRef(schema.$ref, root), value, path, root, errors);
  }

  if (schema.type !== undefined) {
    const types = typeof schema.type === 'string' ? [schema.type] : schema.type;
    if (!types.some((t) => hasType(value, t))) {
      errors.push({ path, message: `must be ${types.join(' or ')}, got ${describe(value)}` });
      // Further keywords would only repeat the same mistake.
      return;
    }
  }

  if (schema.const !== undefined && !jsonEqual(value, schema.const)) {
    errors.push({ path, message: `must be ${JSON.stringify(schema.const)}` });
  }
  if (schema.enum !== undefined && !schema.enum.some((e) => jsonEqual(value, e))) {
    errors.push({
      path,
      message: `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(value)}`,
    });
  }

  if (typeof value === 'number') validateNumber(schema, value, path, errors);
  if (typeof value === 'string') validateString(schema, value, path, errors);
  if (Array.isArray(value)) validateArray(schema, value, path, root, errors);
  else if (isObject(value)) validateObject(schema, value, path, root, errors);

  if (schema.anyOf !== undefined) validateUnion(schema.anyOf, 'anyOf', value, path, root, errors);
  if (schema.oneOf !== undefined) validateUnion(schema.oneOf, 'oneOf', value, path, root, errors);
}

function validateNumber(schema: JsonSchema, value: number, path: string, errors: SchemaError[]) {
  if (schema.minimum !== undefined && value < schema.minimum) {
    errors.push({ path, message: `must be >= ${schema.minimum}, got ${value}` });
  }
  if (schema.maximum !== undefined && value > schema.maximum) {
    errors.push({ path, message: `must be <= ${schema.maximum}, got ${value}` });
  }
  if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) {
    errors.push({ path, message: `must be > ${schema.exclusiveMinimum}, got ${value}` });
  }
  if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) {
    errors.push({ path, message: `must be < ${schema.exclusiveMaximum}, got ${value}` });
  }
}

function validateString(schema: JsonSchema, value: string, path: string, errors: SchemaError[]) {
  // Length in code points, as the spec counts it.
  if (schema.minLength !== undefined && [...value].length < schema.minLength) {
    errors.push({ path, message: `must have at least ${schema.minLength} character(s)` });
  }
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
    errors.push({ path, message: `must match /${schema.pattern}/, got ${JSON.stringify(value)}` });
  }
  if (schema.format === 'date-time' && !(RFC3339.test(value) && !Number.isNaN(Date.parse(value)))) {
    errors.push({
      path,
      message: `must be an RFC 3339 date-time such as 2024-05-01T12:00:00.000Z, got ${JSON.stringify(value)}`,
    });
  }
}

function validateArray(
  schema: JsonSchema,
  value: unknown[],
  path: string,
  root: JsonSchema,
  errors: SchemaError[],
) {
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    errors.push({
      path,
      message: `must have at least ${schema.minItems} item(s), got ${value.length}`,
    });
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    errors.push({
      path,
      message: `must have at most ${schema.maxItems} item(s), got ${value.length}`,
    });
  }
  if (schema.items !== undefined) {
    const items = schema.items;
    value.forEach((item, i) => validate(items, item, pointer(path, i), root, errors));
  }
}

function validateObject(
  schema: JsonSchema,
  value: Record<string, unknown>,
  path: string,
  root: JsonSchema,
  errors: SchemaError[],
) {
  for (const name of schema.required ?? []) {
    if (!Object.hasOwn(value, name)) {
      errors.push({ path: pointer(path, name), message: 'is required' });
    }
  }
  const properties = schema.properties ?? {};
  for (const [name, v] of Object.entries(value)) {
    const p = pointer(path, name);
    // hasOwn: a key such as `__proto__` or `toString` must not find Object.prototype's.
    const sub = Object.hasOwn(properties, name) ? properties[name] : undefined;
    if (sub !== undefined) {
      validate(sub, v, p, root, errors);
    } else if (schema.additionalProperties === false) {
      const known = Object.keys(properties);
      errors.push({
        path: p,
        message: `is not an allowed property${known.length ? ` (allowed: ${known.join(', ')})` : ''}`,
      });
    } else if (typeof schema.additionalProperties === 'object') {
      validate(schema.additionalProperties, v, p, root, errors);
    }
  }
}

/**
 * anyOf / oneOf. A union of objects told apart by a `const` property (`{ kind: 'upTo', ... }`)
 * reports against the branch the value names, or that the tag is unknown, instead of the
 * errors of every branch.
 */
function validateUnion(
  branches: readonly JsonSchema[],
  keyword: 'anyOf' | 'oneOf',
  value: unknown,
  path: string,
  root: JsonSchema,
  errors: SchemaError[],
) {
  const results = branches.map((b) => {
    const e: SchemaError[] = [];
    validate(b, value, path, root, e);
    return e;
  });
  const matching = results.filter((e) => e.length === 0).length;
  if (keyword === 'oneOf' && matching > 1) {
    errors.push({ path, message: `must match exactly one alternative, matches ${matching}` });
    return;
  }
  if (matching > 0) return;

  const resolved = branches.map((b) => (b.$ref !== undefined ? resolveRef(b.$ref, root) : b));
  const tag = isObject(value) ? discriminator(resolved) : undefined;
  if (tag !== undefined && isObject(value)) {
    const index = resolved.findIndex((b) => jsonEqual(b.properties?.[tag]?.const, value[tag]));
    if (index >= 0) {
      errors.push(...results[index]!);
    } else {
      const tags = resolved.map((b) => JSON.stringify(b.properties?.[tag]?.const)).join(', ');
      errors.push({
        path: pointer(path, tag),
        message: Object.hasOwn(value, tag)
          ? `must be one of ${tags}, got ${JSON.stringify(value[tag])}`
          : `is required: one of ${tags}`,
      });
    }
    return;
  }
  // No tag: report the closest alternative, preferring those of the value's type.
  const ofType = results.filter((_, i) => acceptsTypeOf(resolved[i]!, value));
  const candidates = ofType.length > 0 ? ofType : results;
  const closest = candidates.reduce((a, b) => (b.length < a.length ? b : a));
  errors.push({ path, message: `must match one of ${branches.length} alternatives` }, ...closest);
}

/** Whether a schema takes values of `value`'s JSON type (its `type`, or that of its `const`/`enum`). */
function acceptsTypeOf(schema: JsonSchema, value: unknown): boolean {
  if (schema.type !== undefined) {
    const types = typeof schema.type === 'string' ? [schema.type] : schema.type;
    return types.some((t) => hasType(value, t));
  }
  const constants = schema.const !== undefined ? [schema.const] : schema.enum;
  if (constants === undefined) return true;
  return constants.some((c) => jsonTypeOf(c) === jsonTypeOf(value));
}

function jsonTypeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** A property that every branch pins with `const` and requires. */
function discriminator(branches: JsonSchema[]): string | undefined {
  const first = branches[0];
  if (first?.properties === undefined) return undefined;
  return Object.keys(first.properties).find((name) =>
    branches.every((b) => b.properties?.[name]?.const !== undefined && b.required?.includes(name)),
  );
}

function resolveRef(ref: string, root: JsonSchema): JsonSchema {
  const m = /^#\/\$defs\/([^/]+)$/.exec(ref);
  const name = m?.[1];
  const target =
    name !== undefined && root.$defs && Object.hasOwn(root.$defs, name)
      ? root.$defs[name]
      : undefined;
  if (target === undefined) throw new Error(`unsupported or unknown $ref '${ref}'`);
  return target;
}

function hasType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    // JSON has no NaN or Infinity: they are not numbers here.
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Structural equality of JSON values (object key order does not matter). */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return (
      ka.length === Object.keys(b).length &&
      ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]))
    );
  }
  return false;
}
