export {
  API_KEY_PREFIX,
  authenticate,
  createApiKey,
  hashApiKey,
  parseBearer,
  revokeApiKey,
  type CreateApiKeyArgs,
  type CreatedApiKey,
} from './apiKeys.js';
export { graphqlWsAuth, identify } from './context.js';
export { ensureMaintainerKey, MAINTAINER_KEY_FILE } from './maintainerKey.js';
export {
  authChecker,
  requireRole,
  roleAtLeast,
  ROLES,
  type AuthCarrier,
  type AuthIdentity,
  type Role,
} from './roles.js';
