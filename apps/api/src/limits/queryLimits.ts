import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isCompositeType,
  isListType,
  Kind,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  isObjectType,
  isInterfaceType,
} from 'graphql';

/**
 * Shared walk of an operation's selections: fragments are inlined (with a guard against cycles,
 * which graphql's own NoFragmentCycles rule reports) and introspection fields (`__schema`,
 * `__type`, `__typename`) are skipped, so that GraphiQL's deep introspection query is not limited.
 */
function walk<T>(
  context: ValidationContext,
  visitField: (
    node: FieldNode,
    field: GraphQLField<unknown, unknown> | undefined,
    children: (type: GraphQLCompositeType | undefined) => T[],
    parentType: GraphQLCompositeType | undefined,
  ) => T,
): (selectionSet: SelectionSetNode, type: GraphQLCompositeType | undefined) => T[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of context.getDocument().definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  }
  const schema = context.getSchema();
  const expansions = new Map<string, T[]>();

  const selections = (
    set: SelectionSetNode,
    type: GraphQLCompositeType | undefined,
    seen: ReadonlySet<string>,
  ): T[] =>
    set.selections.flatMap((selection): T[] => {
      switch (selection.kind) {
        case Kind.FIELD: {
          if (selection.name.value.startsWith('__')) return [];
          const field =
            type && (isObjectType(type) || isInterfaceType(type))
              ? type.getFields()[selection.name.value]
              : undefined;
          return [
            visitField(
              selection,
              field,
              (childType) =>
                selection.selectionSet ? selections(selection.selectionSet, childType, seen) : [],
              type,
            ),
          ];
        }
        case Kind.INLINE_FRAGMENT: {
          const condition = selection.typeCondition
            ? schema.getType(selection.typeCondition.name.value)
            : type;
          return selections(
            selection.selectionSet,
            condition && isCompositeType(condition) ? condition : undefined,
            seen,
          );
        }
        case Kind.FRAGMENT_SPREAD: {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (!fragment || seen.has(name)) return [];
          // A fragment's fields depend on the fragment only: walked once, however often it is
          // spread (else nested fragments spread twice each would take exponential time).
          let expanded = expansions.get(name);
          if (!expanded) {
            const condition = schema.getType(fragment.typeCondition.name.value);
            expanded = selections(
              fragment.selectionSet,
              condition && isCompositeType(condition) ? condition : undefined,
              new Set([...seen, name]),
            );
            expansions.set(name, expanded);
          }
          return expanded;
        }
      }
    });
  return (set, type) => selections(set, type, new Set());
}

/** The root type an operation starts from. */
function rootType(
  context: ValidationContext,
  operation: 'query' | 'mutation' | 'subscription',
): GraphQLCompositeType | undefined {
  return context.getSchema().getRootType(operation as never) ?? undefined;
}

/**
 * Refuses operations nesting fields deeper than `maxDepth` (a top-level field is depth 1).
 * Deeply nested queries cost the server far more than they cost a client to send.
 */
export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const depths = walk<number>(context, (_node, field, children) => {
      const childType = field ? getNamedType(field.type) : undefined;
      const below = children(childType && isCompositeType(childType) ? childType : undefined);
      return 1 + Math.max(0, ...below);
    });
    return {
      OperationDefinition(operation) {
        const depth = Math.max(
          0,
          ...depths(operation.selectionSet, rootType(context, operation.operation)),
        );
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(
              `${operationLabel(operation.name?.value)} is nested ${depth} levels deep; the limit is ${maxDepth} (QUERY_DEPTH_LIMIT). Split it into several requests.`,
              { nodes: [operation] },
            ),
          );
        }
      },
    };
  };
}

/** Options of {@link costLimitRule}. */
export interface CostLimitOptions {
  /** Largest accepted estimated cost. */
  maxCost: number;
  /**
   * Items assumed for a list whose size the query does not bound with a literal `first`
   * argument (on the list field, or on the page field wrapping it). Default 50.
   */
  defaultListSize?: number;
}

/**
 * Refuses operations whose estimated cost exceeds `maxCost`. Each field costs 1; the fields
 * under a list are counted once per item: the literal `first` argument of the list field (or of
 * the non-list field right above it, the `runs(first: 10) { items { ... } }` page pattern),
 * otherwise `defaultListSize`. A `first` given by a variable counts as `defaultListSize`:
 * validation runs once per document, before variables are known.
 */
export function costLimitRule({ maxCost, defaultListSize = 50 }: CostLimitOptions): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    // Each field returns its cost given the page size bounded by the field above (if any).
    type Cost = (pageSize: number | undefined) => number;
    const costs = walk<Cost>(context, (node, field, children, parent) => {
      const first =
        literalFirst(node) ??
        (parent ? KNOWN_LIST_BOUNDS[`${parent.name}.${node.name.value}`] : undefined);
      const type = field ? getNullableType(field.type) : undefined;
      const named = field ? getNamedType(field.type) : undefined;
      const below = children(named && isCompositeType(named) ? named : undefined);
      // Memoised: a fragment's costs are shared by all its spreads.
      const cache = new Map<number | undefined, number>();
      return (pageSize) => {
        const cached = cache.get(pageSize);
        if (cached !== undefined) return cached;
        const isList = type !== undefined && isListType(type);
        const items = isList ? (first ?? pageSize ?? defaultListSize) : 1;
        // A non-list field with `first` is a page: it bounds the list right below it.
        const passDown = isList ? undefined : first;
        const cost = 1 + items * below.reduce((sum, child) => sum + child(passDown), 0);
        cache.set(pageSize, cost);
        return cost;
      };
    });
    return {
      OperationDefinition(operation) {
        const cost = costs(operation.selectionSet, rootType(context, operation.operation)).reduce(
          (sum, c) => sum + c(undefined),
          0,
        );
        if (cost > maxCost) {
          context.reportError(
            new GraphQLError(
              `${operationLabel(operation.name?.value)} has an estimated cost of ${cost}; the limit is ${maxCost} (QUERY_COST_LIMIT). Ask for fewer items with \`first\` or fewer nested lists.`,
              { nodes: [operation] },
            ),
          );
        }
      },
    };
  };
}

/**
 * Lists whose size the service bounds whatever the query says (compareRuns takes 2-8 runs), so
 * that a full comparison is not priced as 50 runs.
 */
const KNOWN_LIST_BOUNDS: Record<string, number> = {
  'RunComparison.runs': 8,
  'RunComparison.series': 8,
};

function literalFirst(node: FieldNode): number | undefined {
  const arg = node.arguments?.find((a) => a.name.value === 'first');
  if (arg?.value.kind !== Kind.INT) return undefined;
  const value = Number(arg.value.value);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

function operationLabel(name: string | undefined): string {
  return name ? `operation '${name}'` : 'the operation';
}

/** The depth and cost rules for a configuration; give them to Apollo and to graphql-ws alike. */
export function queryLimitRules(limits: {
  maxDepth: number;
  maxCost: number;
  defaultListSize: number;
}): ValidationRule[] {
  return [
    depthLimitRule(limits.maxDepth),
    costLimitRule({ maxCost: limits.maxCost, defaultListSize: limits.defaultListSize }),
  ];
}
