'use client';

import Link from 'next/link';
import { useRef, useState, type FormEvent } from 'react';
import { graphql } from '@/gql';
import { browserGql } from '@/lib/browserGql';
import { ApiError } from '@/lib/graphqlClient';

const CREATE = graphql(`
  mutation RunDetailCreateModelVersion($modelName: String!, $runId: ID!) {
    createModelVersion(modelName: $modelName, runId: $runId) {
      id
      version
    }
  }
`);

/**
 * "Register as model version" (editors and up, succeeded runs): asks for a model name (a new
 * name creates the model) and links to the model's page once the version exists.
 */
export function RegisterVersion({
  runId,
  models,
  defaultName,
}: {
  runId: string;
  models: readonly string[];
  defaultName: string;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<{ name: string; version: number } | null>(null);

  const onSubmit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const name = String(new FormData(e.currentTarget).get('modelName') ?? '').trim();
    if (!name) {
      setError('Give the model a name.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const { createModelVersion } = await browserGql(CREATE, { modelName: name, runId });
      setDone({ name, version: createModelVersion.version });
      dialog.current?.close();
    } catch (err) {
      setError(
        err instanceof ApiError
          ? (err.fieldErrors['modelName'] ?? err.message)
          : (err as Error).message,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      {done ? (
        <p className="rd-registered" role="status" data-testid="register-done">
          Registered as{' '}
          <Link href={`/models/${encodeURIComponent(done.name)}`}>
            {done.name} v{done.version}
          </Link>
          .
        </p>
      ) : null}
      <button
        type="button"
        className="primary"
        onClick={() => {
          setError(null);
          dialog.current?.showModal();
        }}
        data-testid="register-open"
      >
        Register as model version
      </button>
      <dialog ref={dialog} aria-labelledby="register-title" data-testid="register-dialog">
        <form className="form" onSubmit={onSubmit}>
          <h2 id="register-title">Register this run as a model version</h2>
          <p className="muted">
            The next version of the model is made from this run (a new name creates the model).
          </p>
          <div className="field">
            <label htmlFor="register-model-name">Model name</label>
            <input
              id="register-model-name"
              name="modelName"
              list="register-model-names"
              defaultValue={defaultName}
              required
              autoFocus
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? 'register-error' : undefined}
              data-testid="register-name"
            />
            <datalist id="register-model-names">
              {models.map((m) => (
                <option key={m} value={m} />
              ))}
            </datalist>
            {error ? (
              <p className="field-error" id="register-error" role="alert">
                {error}
              </p>
            ) : null}
          </div>
          <div className="row">
            <button type="submit" className="primary" disabled={busy} data-testid="register-submit">
              {busy ? 'Registering…' : 'Register'}
            </button>
            <button type="button" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
