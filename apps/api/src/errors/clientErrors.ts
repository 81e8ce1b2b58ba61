import { GraphQLError } from 'graphql';

/** The codes a client can act on; every other failure reaches it as `INTERNAL_SERVER_ERROR`. */
export const CLIENT_ERROR_CODES = [
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

/** One invalid field of an input, addressed by its path in the input (`train.phases.0.learningRate`). */
export interface FieldError {
  path: string;
  message: string;
}

/** The input is invalid; `fieldErrors` says which fields and why. */
export class BadUserInputError extends GraphQLError {
  constructor(message: string, fieldErrors?: FieldError[]) {
    super(message, {
      extensions: { code: 'BAD_USER_INPUT', ...(fieldErrors ? { fieldErrors } : {}) },
    });
    this.name = 'BadUserInputError';
  }
}

/** No valid API key came with the request. */
export class UnauthenticatedError extends GraphQLError {
  constructor(message = 'send a valid API key as `Authorization: Bearer <key>`') {
    super(message, { extensions: { code: 'UNAUTHENTICATED' } });
    this.name = 'UnauthenticatedError';
  }
}

/** The API key's role does not allow the operation. */
export class ForbiddenError extends GraphQLError {
  constructor(message = 'your API key’s role does not allow this operation') {
    super(message, { extensions: { code: 'FORBIDDEN' } });
    this.name = 'ForbiddenError';
  }
}

/** The id or name designates nothing. */
export class NotFoundError extends GraphQLError {
  constructor(what: string, id: string) {
    super(`${what} '${id}' not found`, { extensions: { code: 'NOT_FOUND' } });
    this.name = 'NotFoundError';
  }
}

/** The operation clashes with the current state (a duplicate name, a run that already has a version...). */
export class ConflictError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { code: 'CONFLICT' } });
    this.name = 'ConflictError';
  }
}
