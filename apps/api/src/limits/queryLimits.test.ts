import { ApolloServer } from '@apollo/server';
import { buildSchema, getIntrospectionQuery, parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createFormatError } from '../errors/index.js';
import { costLimitRule, depthLimitRule, queryLimitRules } from './index.js';

const schema = buildSchema(`
  type Query {
    runs(first: Int): RunPage!
    run(id: ID!): Run
    backbones: [Backbone!]!
  }
  type RunPage { items: [Run!]!, hasNextPage: Boolean! }
  type Run { id: ID!, epochs: [Epoch!]!, parent: Run, tags: [String!]! }
  type Epoch { epoch: Int!, loss: Float }
  type Backbone { id: ID!, layers(first: Int): [Layer!]! }
  type Layer { name: String! }
`);

function errors(query: string, rules = [depthLimitRule(4), costLimitRule({ maxCost: 200 })]) {
  return validate(schema, parse(query), [...specifiedRules, ...rules]).map((e) => e.message);
}

describe('depth limit', () => {
  it('accepts operations up to the limit and refuses deeper ones', () => {
    expect(errors('{ run(id: 1) { parent { parent { id } } } }')).toEqual([]);
    expect(errors('query Deep { run(id: 1) { parent { parent { parent { id } } } } }')).toEqual([
      "operation 'Deep' is nested 5 levels deep; the limit is 4 (QUERY_DEPTH_LIMIT). Split it into several requests.",
    ]);
  });

  it('follows fragments and inline fragments', () => {
    expect(
      errors(`
        { run(id: 1) { ...P } }
        fragment P on Run { parent { ... on Run { parent { parent { id } } } } }
      `),
    ).toEqual([expect.stringContaining('nested 5 levels deep')]);
  });

  it("does not count introspection, so GraphiQL's schema query passes the default limits", () => {
    expect(
      errors(
        getIntrospectionQuery(),
        queryLimitRules({ maxDepth: 12, maxCost: 5000, defaultListSize: 50 }),
      ),
    ).toEqual([]);
  });
});

describe('cost limit', () => {
  it('multiplies list fields by their literal `first`, or by the page size above them', () => {
    // runs(first: 10): 1 + items (1 + 10 × (id + epochs (1 + 50 × 2)))
    expect(errors('{ runs(first: 10) { items { id } } }')).toEqual([]);
    expect(errors('{ backbones { layers(first: 2) { name } } }')).toEqual([]);
    expect(errors('{ runs(first: 10) { items { id epochs { epoch loss } } } }')).toEqual([
      'the operation has an estimated cost of 1022; the limit is 200 (QUERY_COST_LIMIT). Ask for fewer items with `first` or fewer nested lists.',
    ]);
  });

  it('assumes 50 items for lists without a literal bound (variables included)', () => {
    const limit100 = [costLimitRule({ maxCost: 100 })];
    expect(errors('{ runs(first: 1) { items { id tags } } }', limit100)).toEqual([]);
    // 1 + items (1 + 50 × (id + tags))
    expect(errors('query($n: Int) { runs(first: $n) { items { id tags } } }', limit100)).toEqual([
      expect.stringContaining('estimated cost of 102;'),
    ]);
    expect(
      errors('{ backbones { id layers { name } } }', [costLimitRule({ maxCost: 10_000 })]),
    ).toEqual([]);
    expect(errors('{ backbones { id layers { name } } }')).toEqual([
      expect.stringContaining('estimated cost of 2601;'),
    ]);
  });

  it('stays fast on fragment bombs', () => {
    const levels = 30;
    const fragments = Array.from(
      { length: levels },
      (_, i) => `fragment F${i} on Run { parent { ...F${i + 1} ...F${i + 1} } }`,
    ).join('\n');
    const started = performance.now();
    const messages = errors(
      `{ run(id: 1) { ...F0 } }\n${fragments}\nfragment F${levels} on Run { id }`,
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(messages.some((m) => m.includes('QUERY_DEPTH_LIMIT'))).toBe(true);
    expect(messages.some((m) => m.includes('QUERY_COST_LIMIT'))).toBe(true);
  });
});

describe('through Apollo', () => {
  it('answers GRAPHQL_VALIDATION_FAILED with the limit in the message', async () => {
    const apollo = new ApolloServer({
      schema,
      validationRules: queryLimitRules({ maxDepth: 3, maxCost: 5000, defaultListSize: 50 }),
      formatError: createFormatError(),
    });
    const response = await apollo.executeOperation({
      query: '{ run(id: 1) { parent { parent { parent { id } } } } }',
    });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    expect(response.http.status).toBe(400);
    expect(response.body.singleResult.errors).toMatchObject([
      {
        message: expect.stringContaining('the limit is 3 (QUERY_DEPTH_LIMIT)'),
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      },
    ]);
  });
});

describe('known list bounds', () => {
  it('prices a full 4-run comparison by the 8-run bound of compareRuns, not 50', async () => {
    const { buildGraphQLSchema } = await import('../schema.js');
    const schema = await buildGraphQLSchema();
    const query = parse(
      `query($ids: [ID!]!) { compareRuns(ids: $ids) { bestRunId runs { id status } parameters { name values differs } layers { name states differs } series { runId epochs { phase epoch loss accuracy valLoss valAccuracy } } } }`,
    );
    expect(validate(schema, query, [costLimitRule({ maxCost: 5000 })])).toEqual([]);
  });
});
