import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { postGraphQL } from './graphqlClient';

/** Client components: one typed operation through the console's /api/graphql (cookie auth). */
export function browserGql<TData, TVars>(
  document: TypedDocumentNode<TData, TVars>,
  variables: TVars,
): Promise<TData> {
  return postGraphQL('/api/graphql', document, variables);
}
