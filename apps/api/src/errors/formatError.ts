import { unwrapResolverError } from '@apollo/server/errors';
import {
  GraphQLError,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
} from 'graphql';
import type { Logger } from '../logger.js';
import { CLIENT_ERROR_CODES, type ClientErrorCode } from './clientErrors.js';

/** What a client sees for unique violations of each constraint; others get a generic message. */
export const CONFLICT_MESSAGES: Record<string, string> = {
  api_keys_key_hash_unique: 'an API key with this value already exists',
  backbones_name_unique: 'a backbone with this name already exists',
  registered_models_name_unique: 'a registered model with this name already exists',
  model_versions_run_id_unique: 'this run already has a model version',
  model_versions_model_id_version_unique: 'this model version number is taken; retry',
  model_aliases_model_id_alias_pk: 'this model already has an alias of that name',
  artifacts_run_id_name_unique: 'this run already has an artifact of that name',
};

/**
 * Errors that graphql-js or Apollo raise about the request itself (syntax, validation,
 * variable coercion): about the client's document, safe and useful to show.
 */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/** type-graphql's `@Authorized` raises `UNAUTHORIZED` when the role does not match. */
const CODE_ALIASES: Record<string, ClientErrorCode> = { UNAUTHORIZED: 'FORBIDDEN' };

const isClientCode = (code: unknown): code is ClientErrorCode =>
  (CLIENT_ERROR_CODES as readonly unknown[]).includes(code);

/** The Postgres unique violation (SQLSTATE 23505) in an error's `cause` chain, if any. */
function uniqueViolation(error: unknown): { constraint?: string } | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const candidate = e as { code?: unknown; constraint?: string; cause?: unknown };
    if (candidate.code === '23505') return candidate;
    e = candidate.cause;
  }
  return undefined;
}

/**
 * Builds Apollo's `formatError`: the one place that decides what a client learns about a
 * failure. Client errors keep their message, code and `fieldErrors`; unique violations become
 * `CONFLICT`; anything else is logged and masked as `INTERNAL_SERVER_ERROR`, so no stack
 * trace, SQL or internal message reaches a client.
 */
export function createFormatError(
  logger?: Logger,
): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => {
    const original = unwrapResolverError(error);
    const where = {
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
    };

    if (original instanceof GraphQLError) {
      const raw = original.extensions['code'];
      const code = typeof raw === 'string' ? (CODE_ALIASES[raw] ?? raw) : undefined;
      if (isClientCode(code)) {
        const fieldErrors = original.extensions['fieldErrors'];
        return {
          message: original.message,
          ...where,
          extensions: { code, ...(fieldErrors ? { fieldErrors } : {}) },
        };
      }
    }

    const violation = uniqueViolation(original);
    if (violation) {
      const message =
        (violation.constraint && CONFLICT_MESSAGES[violation.constraint]) ??
        'the request conflicts with an existing record';
      return { message, ...where, extensions: { code: 'CONFLICT' } };
    }

    const code = formatted.extensions?.['code'];
    if (typeof code === 'string' && REQUEST_ERROR_CODES.has(code)) {
      return { message: formatted.message, ...where, extensions: { code } };
    }

    logger?.error('unexpected error while executing a GraphQL operation', {
      error: original,
      path: formatted.path,
    });
    return {
      message: 'Internal server error',
      ...where,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

/**
 * The same masking for graphql-ws, which sends errors as graphql-js formats them (message,
 * and for a resolver error its internal message, SQL included). `onNext` formats the errors of
 * each result; `onError` those of a refused operation: a request error (syntax, validation)
 * keeps its message, anything from a resolver goes through `formatError`.
 */
export function graphqlWsErrorHooks(
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
) {
  const formatOne = (e: GraphQLError): GraphQLFormattedError =>
    e.originalError || e.path
      ? formatError(e.toJSON(), e)
      : formatError(
          { ...e.toJSON(), extensions: { code: 'GRAPHQL_VALIDATION_FAILED', ...e.extensions } },
          e,
        );
  return {
    onNext: (
      _ctx: unknown,
      _id: string,
      _payload: unknown,
      _args: unknown,
      result: ExecutionResult,
    ): FormattedExecutionResult =>
      result.errors ? { ...result, errors: result.errors.map(formatOne) } : result,
    onError: (_ctx: unknown, _id: string, _payload: unknown, errors: readonly GraphQLError[]) =>
      errors.map(formatOne),
  };
}
