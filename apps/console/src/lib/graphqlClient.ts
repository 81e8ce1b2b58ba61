import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

/** A GraphQL error as the API sends it (coded: BAD_USER_INPUT, UNAUTHENTICATED, ...). */
export interface ApiErrorEntry {
  message: string;
  extensions?: { code?: string; fieldErrors?: { path: string; message: string }[] } & Record<
    string,
    unknown
  >;
}

/** The API answered with errors; `code` is the first error's code. */
export class ApiError extends Error {
  readonly code: string;
  constructor(readonly errors: ApiErrorEntry[]) {
    super(errors.map((e) => e.message).join('; '));
    this.name = 'ApiError';
    this.code = errors[0]?.extensions?.code ?? 'INTERNAL_SERVER_ERROR';
  }
  /** Field-level errors of a BAD_USER_INPUT, keyed by field path (e.g. `train.learningRate`). */
  get fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.errors)
      for (const f of e.extensions?.fieldErrors ?? []) out[f.path] ??= f.message;
    return out;
  }
}

/** POSTs one typed operation to `url` and returns its data, or throws an {@link ApiError}. */
export async function postGraphQL<TData, TVars>(
  url: string,
  document: TypedDocumentNode<TData, TVars>,
  variables: TVars,
  headers: Record<string, string> = {},
): Promise<TData> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: print(document), variables }),
    cache: 'no-store',
  });
  let body: { data?: TData; errors?: ApiErrorEntry[] };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new ApiError([
      {
        message: `API answered ${res.status} ${res.statusText}`,
        extensions: { code: 'UNAVAILABLE' },
      },
    ]);
  }
  if (body.errors?.length) throw new ApiError(body.errors);
  if (!body.data) throw new ApiError([{ message: 'API answered without data' }]);
  return body.data;
}
