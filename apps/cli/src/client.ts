import type { Client as WsClient } from 'graphql-ws';
import { graphqlEndpoint, type Credentials } from './config.js';
import { CliError, ExitCode, exitCodeOf, type FieldError } from './errors.js';

/** A GraphQL error as the API sends it. */
export interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; fieldErrors?: FieldError[]; [key: string]: unknown };
}

const TIMEOUT_MS = Number(process.env['GRAFT_TIMEOUT_MS']) || 60_000;

/** The CliError of the first GraphQL error of a response (its code picks the exit code). */
export function errorOfGraphQL(errors: readonly GqlError[]): CliError {
  const first = errors[0]!;
  const code = first.extensions?.code;
  const fieldErrors = Array.isArray(first.extensions?.fieldErrors)
    ? first.extensions.fieldErrors.filter(
        (f): f is FieldError => typeof f?.path === 'string' && typeof f?.message === 'string',
      )
    : [];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more error(s))` : '';
  const exitCode = exitCodeOf(code);
  const prefix = exitCode === ExitCode.SERVER && code ? `server error (${code}): ` : '';
  // The message of a validation error repeats its first field error: print the fields instead.
  const message = fieldErrors.length
    ? `the server refused the input (${fieldErrors.length} invalid field${fieldErrors.length === 1 ? '' : 's'}):`
    : `${prefix}${first.message}${more}`;
  return new CliError(message, exitCode, fieldErrors);
}

/** GraphQL over HTTP (queries, mutations) and graphql-ws (subscriptions) with one API key. */
export class GraftClient {
  readonly endpoint: string;

  constructor(readonly credentials: Credentials) {
    this.endpoint = graphqlEndpoint(credentials.url);
  }

  /** Runs one operation; GraphQL errors become a CliError with the matching exit code. */
  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: `Bearer ${this.credentials.key}`,
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new CliError(
        `cannot reach the API at ${this.endpoint}: ${networkReason(error)}`,
        ExitCode.SERVER,
      );
    }
    const text = await response.text();
    let body: { data?: T | null; errors?: GqlError[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      const status = `HTTP ${response.status} ${response.statusText}`.trim();
      throw new CliError(
        response.status === 401
          ? `the API refused the key (${status})`
          : `unexpected answer from ${this.endpoint} (${status}): is this a Graft API URL?`,
        response.status === 401 ? ExitCode.UNAUTHENTICATED : ExitCode.SERVER,
      );
    }
    if (body.errors?.length) throw errorOfGraphQL(body.errors);
    if (!response.ok || body.data === undefined || body.data === null) {
      throw new CliError(
        `unexpected answer from ${this.endpoint} (HTTP ${response.status})`,
        ExitCode.SERVER,
      );
    }
    return body.data;
  }

  /** A graphql-ws client authenticated with the key (connection parameter `authorization`). */
  async subscriptions(): Promise<WsClient> {
    // Loaded on demand: only `run watch` needs them, and every command starts faster without.
    const [{ createClient }, { default: WebSocket }] = await Promise.all([
      import('graphql-ws'),
      import('ws'),
    ]);
    return createClient({
      url: this.endpoint.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${this.credentials.key}` },
      lazy: true,
      retryAttempts: 3,
      // An auth refusal (4403) or a bad request (4400) will not heal by retrying.
      shouldRetry: (event) => !isCloseEvent(event) || ![4400, 4401, 4403].includes(event.code),
    });
  }
}

/** A WebSocket close event, as graphql-ws hands them to error sinks. */
export function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'number' &&
    'reason' in value
  );
}

/** The CliError of what a graphql-ws sink received as an error. */
export function errorOfSubscription(error: unknown, endpoint: string): CliError {
  if (Array.isArray(error) && error.length > 0) return errorOfGraphQL(error as GqlError[]);
  if (isCloseEvent(error)) {
    if (error.code === 4403 || error.code === 4401) {
      return new CliError(
        'the API refused the key for the subscription (invalid or revoked)',
        ExitCode.UNAUTHENTICATED,
      );
    }
    const reason = error.reason ? `: ${error.reason}` : '';
    return new CliError(
      `the subscription connection to ${endpoint} closed (${error.code}${reason})`,
      ExitCode.SERVER,
    );
  }
  return new CliError(
    `cannot subscribe at ${endpoint.replace(/^http/, 'ws')}: ${networkReason(error)}`,
    ExitCode.SERVER,
  );
}

function networkReason(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
    return error.message;
  }
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}
