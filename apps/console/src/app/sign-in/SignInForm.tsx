'use client';

import { useActionState } from 'react';
import { signIn, type SignInState } from '@/lib/session';

export function SignInForm({ next }: { next: string }) {
  const [state, action, pending] = useActionState<SignInState, FormData>(signIn, {});
  return (
    <form action={action} className="form">
      <input type="hidden" name="next" value={next} />
      <label htmlFor="key">API key</label>
      <input
        id="key"
        name="key"
        type="password"
        autoComplete="off"
        autoFocus
        placeholder="graft_…"
        aria-invalid={state.error ? true : undefined}
        aria-describedby={state.error ? 'key-error' : undefined}
      />
      {state.error ? (
        <p id="key-error" className="field-error" role="alert">
          {state.error}
        </p>
      ) : null}
      <button type="submit" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
