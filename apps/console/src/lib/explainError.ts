/**
 * What an error boundary tells the user. In production Next replaces the message of an error
 * thrown while rendering on the server with a generic one and passes only its `digest`; the
 * console's API errors carry `graft:<code>` there (see ApiError), so the page can still say what
 * happened and what to do about it.
 */
export interface ErrorExplanation {
  /** What happened, in a few words. */
  title: string;
  /** What the user can do about it. */
  hint: string;
  /** The API's code, when the error came from the API. */
  code?: string;
}

const BY_CODE: Record<string, Omit<ErrorExplanation, 'code'>> = {
  API_UNREACHABLE: {
    title: 'The console cannot reach the Graft API',
    hint:
      'Check that the API is running (“npm start” starts it beside the console) and that ' +
      'GRAFT_API_URL points at it, then try again.',
  },
  UNAVAILABLE: {
    title: 'The Graft API is not answering GraphQL',
    hint:
      'It may still be starting, or something between the console and the API answered ' +
      'instead. Try again in a moment; if it persists, check the API’s log and GRAFT_API_URL.',
  },
  FORBIDDEN: {
    title: 'Your API key may not see this',
    hint: 'Sign in with a key whose role allows it, or ask a maintainer for one.',
  },
  BAD_USER_INPUT: {
    title: 'The API refused this request',
    hint: 'The address names something malformed (an id, a filter). Go back and pick it again.',
  },
  INTERNAL_SERVER_ERROR: {
    title: 'The Graft API failed on this request',
    hint: 'Try again; if it keeps failing, the API’s log has the details.',
  },
};

const GENERIC: ErrorExplanation = {
  title: 'The page failed to load',
  hint: 'Try again; if it keeps failing, the console’s log has the details.',
};

/** The explanation for an error caught by an error boundary (server or client side). */
export function explainError(error: { message?: string; digest?: string }): ErrorExplanation {
  const code = error.digest?.startsWith('graft:') ? error.digest.slice('graft:'.length) : undefined;
  if (code) {
    const known = BY_CODE[code];
    return known
      ? { ...known, code }
      : {
          title: `The Graft API answered with an error (${code})`,
          hint: GENERIC.hint,
          code,
        };
  }
  return GENERIC;
}
