import { graphql } from '@/gql';
import { API_URL } from './config';
import { ApiError, postGraphQL } from './graphqlClient';

/**
 * Real 404s for the detail pages. Their routes stream a loading state first, so by the time a
 * page finds that its run, model or version does not exist Next has already sent 200. The proxy
 * asks the API first, for full page loads only, and rewrites a missing one to a path no route
 * matches (Next answers 404 with the root not-found page), passing the resource in a request
 * header for that page to say what is missing.
 */
export type MissingResource = 'run' | 'model' | 'version';
export const MISSING_HEADER = 'x-graft-missing';
/** A path no route matches. */
export const MISSING_PATH = '/_graft/missing';

const RUN_EXISTS = graphql(`
  query RunExists($id: ID!) {
    run(id: $id) {
      id
    }
  }
`);
const MODEL_EXISTS = graphql(`
  query ModelExists($name: String!) {
    model(name: $name) {
      id
    }
  }
`);
const VERSION_EXISTS = graphql(`
  query VersionExists($versionId: ID!) {
    lineage(versionId: $versionId) {
      version {
        id
      }
    }
  }
`);

/** Run and version ids are UUIDs; anything else cannot name one. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A detail page's path: the resource it shows and the id or name in it (decoded). */
export function detailOf(
  pathname: string,
): { resource: MissingResource; value: string } | undefined {
  const m = /^\/(runs|models|lineage)\/([^/]+)\/?$/.exec(pathname);
  if (!m || (m[1] === 'runs' && m[2] === 'new')) return undefined;
  let value: string;
  try {
    value = decodeURIComponent(m[2]!);
  } catch {
    return undefined; // malformed escapes: the page says what it says
  }
  const resource = m[1] === 'runs' ? 'run' : m[1] === 'models' ? 'model' : 'version';
  return { resource, value };
}

/**
 * The resource a detail page's path names when the API says it does not exist (NOT_FOUND, or
 * BAD_USER_INPUT for an id that cannot be one); undefined when it exists, when the path is not a
 * detail page, and when the API could not tell (down, slow, the key refused): the page itself
 * then shows what went wrong.
 */
export async function missingResource(
  pathname: string,
  key: string,
  timeoutMs = 3_000,
): Promise<MissingResource | undefined> {
  const detail = detailOf(pathname);
  if (!detail) return undefined;
  const { resource, value } = detail;
  if (resource !== 'model' && !UUID.test(value)) return resource;
  const url = `${API_URL}/graphql`;
  const headers = { authorization: `Bearer ${key}` };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      resource === 'run'
        ? postGraphQL(url, RUN_EXISTS, { id: value }, headers)
        : resource === 'model'
          ? postGraphQL(url, MODEL_EXISTS, { name: value }, headers)
          : postGraphQL(url, VERSION_EXISTS, { versionId: value }, headers),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    return undefined;
  } catch (err) {
    const code = err instanceof ApiError ? err.code : undefined;
    return code === 'NOT_FOUND' || code === 'BAD_USER_INPUT' ? resource : undefined;
  } finally {
    clearTimeout(timer);
  }
}
