export {
  BadUserInputError,
  CLIENT_ERROR_CODES,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthenticatedError,
  type ClientErrorCode,
  type FieldError,
} from './clientErrors.js';
export { CONFLICT_MESSAGES, createFormatError, graphqlWsErrorHooks } from './formatError.js';
