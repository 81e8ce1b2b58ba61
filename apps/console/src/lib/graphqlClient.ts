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

/**
 * Codes the console gives failures that never reached the API's GraphQL layer: nothing answered
 * at all, or something answered that is not GraphQL (a proxy's error page, a server starting).
 */
export const UNREACHABLE = 'API_UNREACHABLE';
export const UNAVAILABLE = 'UNAVAILABLE';

/**
 * The API answered with errors (or could not be reached); `code` is the first error's code.
 * `digest` is what Next hands an error boundary in production, where it hides the message:
 * `graft:<code>` lets `explainError` tell the user what to do without leaking the message.
 */
export class ApiError extends Error {
  readonly code: string;
  readonly digest: string;
  constructor(readonly errors: ApiErrorEntry[]) {
    super(errors.map((e) => e.message).join('; '));
    this.name = 'ApiError';
    this.code = errors[0]?.extensions?.code ?? 'INTERNAL_SERVER_ERROR';
    this.digest = `graft:${this.code}`;
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
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: print(document), variables }),
      cache: 'no-store',
    });
  } catch (err) {
    // Refused, reset, DNS: fetch says only "fetch failed" and puts the reason in `cause`.
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new ApiError([
      {
        message: `cannot reach ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
        extensions: { code: UNREACHABLE },
      },
    ]);
  }
  let body: { data?: TData; errors?: ApiErrorEntry[] };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new ApiError([
      {
        message: `API answered ${res.status} ${res.statusText}`,
        extensions: { code: UNAVAILABLE },
      },
    ]);
  }
  if (body.errors?.length) throw new ApiError(body.errors);
  if (!body.data) throw new ApiError([{ message: 'API answered without data' }]);
  return body.data;
}
