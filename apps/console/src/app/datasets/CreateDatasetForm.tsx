'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { graphql } from '@/gql';
import { browserGql } from '@/lib/browserGql';
import { ApiError } from '@/lib/graphqlClient';

const CREATE = graphql(`
  mutation DatasetsPageCreate($input: CreateDatasetInput!) {
    createDataset(input: $input) {
      id
      name
    }
  }
`);

const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

type Field = 'name' | 'digits' | 'limit';
/** API fieldErrors paths → the form's fields. */
const FIELD_OF: Record<string, Field> = {
  name: 'name',
  'builtin.mnistDigits': 'digits',
  'builtin.limit': 'limit',
};

/** Registers a builtin MNIST-digits dataset (editors and maintainers). */
export function CreateDatasetForm() {
  const router = useRouter();
  const [name, setName] = useState('');
  const [digits, setDigits] = useState<number[]>([]);
  const [limit, setLimit] = useState('400');
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [summary, setSummary] = useState<string | null>(null);
  const [created, setCreated] = useState<{ id: string; name: string } | null>(null);
  const [pending, setPending] = useState(false);

  const toggle = (d: number) =>
    setDigits((ds) => (ds.includes(d) ? ds.filter((x) => x !== d) : [...ds, d].sort()));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSummary(null);
    setCreated(null);
    const errs: Partial<Record<Field, string>> = {};
    if (!name.trim()) errs.name = 'give the dataset a name';
    const lim = limit.trim() === '' ? undefined : Number(limit);
    if (lim !== undefined && !Number.isInteger(lim)) errs.limit = 'limit must be a whole number';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setPending(true);
    try {
      const { createDataset } = await browserGql(CREATE, {
        input: {
          name: name.trim(),
          builtin: { mnistDigits: digits, ...(lim !== undefined ? { limit: lim } : {}) },
        },
      });
      setCreated(createDataset);
      setName('');
      setDigits([]);
      router.refresh();
    } catch (err) {
      if (err instanceof ApiError) {
        const fe: Partial<Record<Field, string>> = {};
        const rest: string[] = [];
        for (const [path, msg] of Object.entries(err.fieldErrors)) {
          const f = FIELD_OF[path];
          if (f) fe[f] = msg;
          else rest.push(`${path}: ${msg}`);
        }
        if (err.code === 'CONFLICT') fe.name = err.message;
        setErrors(fe);
        if (rest.length || Object.keys(fe).length === 0) setSummary(rest.join('; ') || err.message);
      } else {
        setSummary((err as Error).message);
      }
    } finally {
      setPending(false);
    }
  }

  return (
    <form className="form ds-form" onSubmit={submit} noValidate data-testid="create-dataset-form">
      {summary ? (
        <p className="error" role="alert">
          {summary}
        </p>
      ) : null}
      {created ? (
        <p role="status" className="ds-created">
          Created <strong>{created.name}</strong>.{' '}
          <Link href={`/runs/new?datasetId=${created.id}`}>Start a run on it →</Link>
        </p>
      ) : null}
      <div className="field">
        <label htmlFor="ds-name">Name</label>
        <input
          id="ds-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="digits 3 vs 8"
          aria-invalid={errors.name ? true : undefined}
          aria-describedby={errors.name ? 'ds-name-error' : undefined}
        />
        {errors.name ? (
          <p id="ds-name-error" className="field-error" role="alert">
            {errors.name}
          </p>
        ) : null}
      </div>
      <fieldset
        className="field ds-digits"
        aria-invalid={errors.digits ? true : undefined}
        aria-describedby={errors.digits ? 'ds-digits-error' : 'ds-digits-hint'}
      >
        <legend>Digits (classes; at least 2)</legend>
        <div className="row">
          {DIGITS.map((d) => (
            <label key={d} className="ds-digit">
              <input
                type="checkbox"
                checked={digits.includes(d)}
                onChange={() => toggle(d)}
                aria-label={`digit ${d}`}
              />
              {d}
            </label>
          ))}
        </div>
        {errors.digits ? (
          <p id="ds-digits-error" className="field-error" role="alert">
            {errors.digits}
          </p>
        ) : (
          <p id="ds-digits-hint" className="muted ds-hint">
            Each chosen digit becomes a class.
          </p>
        )}
      </fieldset>
      <div className="field">
        <label htmlFor="ds-limit">Limit (images, balanced over the digits; empty for all)</label>
        <input
          id="ds-limit"
          type="number"
          min={2}
          value={limit}
          onChange={(e) => setLimit(e.target.value)}
          aria-invalid={errors.limit ? true : undefined}
          aria-describedby={errors.limit ? 'ds-limit-error' : undefined}
        />
        {errors.limit ? (
          <p id="ds-limit-error" className="field-error" role="alert">
            {errors.limit}
          </p>
        ) : null}
      </div>
      <div>
        <button type="submit" className="primary" disabled={pending}>
          {pending ? 'Creating…' : 'Create dataset'}
        </button>
      </div>
    </form>
  );
}
