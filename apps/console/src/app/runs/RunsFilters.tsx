'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useTransition, type FormEvent } from 'react';
import { RUN_MODES, listHref, type ListParams } from './listParams';

interface Option {
  id: string;
  name: string;
}

/**
 * Filters of the runs table. A plain GET form (works without JavaScript); with it, a change of
 * a select applies at once and the URL keeps the state (a filter change restarts at page 1).
 */
export function RunsFilters({
  params,
  statuses,
  backbones,
  datasets,
}: {
  params: ListParams;
  statuses: readonly string[];
  backbones: readonly Option[];
  datasets: readonly Option[];
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();

  const apply = (form: HTMLFormElement) => {
    const fd = new FormData(form);
    const get = (k: string) => String(fd.get(k) ?? '').trim() || undefined;
    const href = listHref(params, {
      status: get('status'),
      mode: get('mode'),
      backbone: get('backbone'),
      dataset: get('dataset'),
      tag: get('tag'),
      after: undefined,
      trail: [],
    });
    startTransition(() => router.push(href));
  };
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    apply(e.currentTarget);
  };
  const filtered = Boolean(
    params.status || params.mode || params.backbone || params.dataset || params.tag,
  );

  return (
    <form
      className="toolbar runs-filters"
      action="/runs"
      method="get"
      onSubmit={onSubmit}
      aria-label="Filter runs"
      data-testid="runs-filters"
    >
      {params.order !== 'createdAt' ? (
        <input type="hidden" name="order" value={params.order} />
      ) : null}
      <label>
        Status
        <select
          name="status"
          defaultValue={params.status ?? ''}
          onChange={(e) => apply(e.currentTarget.form!)}
          data-testid="filter-status"
        >
          <option value="">any</option>
          {statuses.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Mode
        <select
          name="mode"
          defaultValue={params.mode ?? ''}
          onChange={(e) => apply(e.currentTarget.form!)}
          data-testid="filter-mode"
        >
          <option value="">any</option>
          {RUN_MODES.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </label>
      <label>
        Backbone
        <select
          name="backbone"
          defaultValue={params.backbone ?? ''}
          onChange={(e) => apply(e.currentTarget.form!)}
          data-testid="filter-backbone"
        >
          <option value="">any</option>
          {backbones.map((b) => (
            <option key={b.id} value={b.id}>
              {b.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Dataset
        <select
          name="dataset"
          defaultValue={params.dataset ?? ''}
          onChange={(e) => apply(e.currentTarget.form!)}
          data-testid="filter-dataset"
        >
          <option value="">any</option>
          {datasets.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Tag
        <input
          name="tag"
          type="search"
          defaultValue={params.tag ?? ''}
          placeholder="exact tag"
          size={12}
          data-testid="filter-tag"
        />
      </label>
      <button type="submit" disabled={pending}>
        Apply
      </button>
      {filtered ? (
        <Link
          href={listHref(params, {
            status: undefined,
            mode: undefined,
            backbone: undefined,
            dataset: undefined,
            tag: undefined,
            after: undefined,
            trail: [],
          })}
        >
          Clear filters
        </Link>
      ) : null}
      {pending ? (
        <span className="muted" role="status">
          Loading…
        </span>
      ) : null}
    </form>
  );
}
