/** Where the console finds the API (server side only; the browser talks to the console). */
export const API_URL = (process.env.GRAFT_API_URL ?? 'http://127.0.0.1:4000').replace(/\/$/, '');
/** The httpOnly cookie holding the signed-in API key. */
export const KEY_COOKIE = 'graft_key';
