'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { graphql } from '@/gql';
import type { PromoteDialogRunsQuery } from '@/gql/graphql';
import { browserGql } from '@/lib/browserGql';
import { lr, num, pct } from '@/lib/format';
import { ApiError } from '@/lib/graphqlClient';

const PROMOTE = graphql(`
  mutation PromoteVersion($versionId: ID!, $alias: String!, $reason: String!) {
    promoteModelVersion(versionId: $versionId, alias: $alias, reason: $reason) {
      id
      aliases
    }
  }
`);

const ARCHIVE = graphql(`
  mutation ArchiveVersion($versionId: ID!, $reason: String) {
    archiveModelVersion(versionId: $versionId, reason: $reason) {
      id
      archived
    }
  }
`);

const RUNS = graphql(`
  query PromoteDialogRuns($candidate: ID!, $holder: ID!, $hasHolder: Boolean!) {
    candidate: run(id: $candidate) {
      ...PromoteDialogRun
    }
    holder: run(id: $holder) @include(if: $hasHolder) {
      ...PromoteDialogRun
    }
  }
  fragment PromoteDialogRun on Run {
    id
    status
    mode
    testAccuracy
    bestValAccuracy
    frozenParams
    trainableParams
    headLr
    fineTuneLr
    surgery
    backbone {
      id
      name
    }
    dataset {
      id
      name
    }
  }
`);

type DialogRun = PromoteDialogRunsQuery['candidate'];

/** Who holds an alias now. */
export interface AliasHolder {
  alias: string;
  versionId: string;
  version: number;
  runId: string;
}

export interface VersionSummary {
  id: string;
  version: number;
  runId: string;
  aliases: readonly string[];
  archived: boolean;
}

/** Same rule as the API: lowercase letters, digits, dashes or underscores, starting with a letter. */
const ALIAS_RE = /^[a-z][a-z0-9_-]{0,62}$/;
const PRODUCTION_NEEDS = 'Only maintainers can move production (it serves users).';

function frozenLayers(surgery: unknown): string[] | null {
  const f = (surgery as { frozenLayers?: unknown } | null)?.frozenLayers;
  return Array.isArray(f) ? f.filter((x): x is string => typeof x === 'string') : null;
}

function errorText(err: unknown): { code: string; message: string } {
  if (err instanceof ApiError) {
    const field = Object.values(err.fieldErrors)[0];
    return { code: err.code, message: field ? `${err.message} (${field})` : err.message };
  }
  return { code: 'ERROR', message: err instanceof Error ? err.message : String(err) };
}

function SideBySide({
  candidate,
  holder,
  candidateLabel,
  holderLabel,
}: {
  candidate: DialogRun;
  holder: DialogRun | null;
  candidateLabel: string;
  holderLabel: string | null;
}) {
  const rows: { label: string; of: (r: DialogRun) => string; title?: (r: DialogRun) => string }[] =
    [
      { label: 'Test accuracy', of: (r) => pct(r.testAccuracy, 2) },
      { label: 'Best val accuracy', of: (r) => pct(r.bestValAccuracy, 2) },
      { label: 'Backbone', of: (r) => r.backbone.name },
      { label: 'Dataset', of: (r) => r.dataset.name },
      { label: 'Mode', of: (r) => r.mode },
      {
        label: 'Frozen layers',
        of: (r) => {
          const f = frozenLayers(r.surgery);
          return f === null ? '–' : String(f.length);
        },
      },
      {
        label: 'Frozen layer names',
        of: (r) => frozenLayers(r.surgery)?.join(', ') || '–',
      },
      {
        label: 'Frozen / trainable params',
        of: (r) => `${num(r.frozenParams)} / ${num(r.trainableParams)}`,
      },
      { label: 'Learning rate (head)', of: (r) => lr(r.headLr) },
      { label: 'Learning rate (fine-tune)', of: (r) => lr(r.fineTuneLr) },
    ];
  return (
    <table className="md-sbs" data-testid="promote-compare">
      <thead>
        <tr>
          <th scope="col" />
          <th scope="col">Candidate · {candidateLabel}</th>
          <th scope="col">Current · {holderLabel ?? 'nobody'}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const a = row.of(candidate);
          const b = holder ? row.of(holder) : '–';
          const differs = holder !== null && a !== b;
          return (
            <tr key={row.label} className={differs ? 'diff' : undefined}>
              <th scope="row">{row.label}</th>
              <td className="md-sbs-cell">{a}</td>
              <td className="md-sbs-cell">{holder ? b : <span className="muted">–</span>}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function PromoteDialog({
  modelName,
  version,
  holders,
  canProduction,
  onClose,
}: {
  modelName: string;
  version: VersionSummary;
  holders: Readonly<Record<string, AliasHolder>>;
  canProduction: boolean;
  onClose: () => void;
}) {
  const router = useRouter();
  const ref = useRef<HTMLDialogElement>(null);
  const ids = { alias: useId(), custom: useId(), reason: useId(), title: useId() };
  const [choice, setChoice] = useState<'staging' | 'production' | 'custom'>('staging');
  const [custom, setCustom] = useState('');
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const [runs, setRuns] = useState<{ key: string; data: PromoteDialogRunsQuery } | null>(null);
  const [runsError, setRunsError] = useState<string | null>(null);

  const alias = choice === 'custom' ? custom.trim() : choice;
  const aliasValid = ALIAS_RE.test(alias);
  const holder = aliasValid ? (holders[alias] ?? null) : null;
  const alreadyHolds = holder?.versionId === version.id;
  const runsKey = `${version.runId}|${holder?.runId ?? ''}`;

  useEffect(() => {
    ref.current?.showModal();
  }, []);

  useEffect(() => {
    let live = true;
    browserGql(RUNS, {
      candidate: version.runId,
      holder: holder?.runId ?? version.runId,
      hasHolder: holder !== null && holder.runId !== version.runId,
    })
      .then((data) => {
        if (live) {
          setRuns({ key: runsKey, data });
          setRunsError(null);
        }
      })
      .catch((err: unknown) => live && setRunsError(errorText(err).message));
    return () => {
      live = false;
    };
  }, [version.runId, holder?.runId, holder, runsKey]);

  const reasonError = touched && !reason.trim() ? 'Say why you promote this version.' : null;
  const customError =
    choice === 'custom' && touched && !aliasValid
      ? 'Lowercase letters, digits, - or _, starting with a letter.'
      : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!reason.trim() || !aliasValid || alreadyHolds) return;
    setBusy(true);
    setError(null);
    try {
      await browserGql(PROMOTE, { versionId: version.id, alias, reason: reason.trim() });
      ref.current?.close();
      onClose();
      router.refresh();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const loaded = runs?.key === runsKey ? runs.data : null;
  const holderRun =
    holder === null
      ? null
      : holder.runId === version.runId
        ? (loaded?.candidate ?? null)
        : (loaded?.holder ?? null);

  return (
    <dialog
      ref={ref}
      aria-labelledby={ids.title}
      className="md-dialog"
      onClose={onClose}
      data-testid="promote-dialog"
    >
      <form onSubmit={submit} className="form" noValidate>
        <h2 id={ids.title}>
          Promote {modelName} v{version.version}
        </h2>
        <fieldset className="md-alias-choice">
          <legend>Alias</legend>
          <label className="md-radio">
            <input
              type="radio"
              name="alias"
              value="staging"
              checked={choice === 'staging'}
              onChange={() => setChoice('staging')}
            />
            staging
          </label>
          <label
            className="md-radio"
            title={canProduction ? undefined : PRODUCTION_NEEDS}
            data-testid="alias-production-option"
          >
            <input
              type="radio"
              name="alias"
              value="production"
              checked={choice === 'production'}
              onChange={() => setChoice('production')}
              disabled={!canProduction}
              title={canProduction ? undefined : PRODUCTION_NEEDS}
            />
            production
            {!canProduction ? <span className="muted md-why"> — maintainers only</span> : null}
          </label>
          <label className="md-radio">
            <input
              type="radio"
              name="alias"
              value="custom"
              checked={choice === 'custom'}
              onChange={() => setChoice('custom')}
            />
            other:
          </label>
          <span className="field md-custom">
            <label htmlFor={ids.custom} className="cmp-sr">
              Custom alias
            </label>
            <input
              id={ids.custom}
              value={custom}
              placeholder="e.g. canary"
              onChange={(e) => {
                setCustom(e.target.value);
                setChoice('custom');
              }}
              aria-invalid={customError ? true : undefined}
              data-testid="custom-alias"
            />
          </span>
        </fieldset>
        {customError ? <p className="field-error">{customError}</p> : null}

        <p className="md-holder" data-testid="alias-holder">
          {!aliasValid ? (
            <span className="muted">Type an alias to see who holds it.</span>
          ) : holder === null ? (
            <>
              Nobody holds <code>{alias}</code> yet: this creates it.
            </>
          ) : alreadyHolds ? (
            <>
              v{version.version} already holds <code>{alias}</code>.
            </>
          ) : (
            <>
              <code>{alias}</code> moves from <strong>v{holder.version}</strong> to{' '}
              <strong>v{version.version}</strong>.
            </>
          )}
        </p>

        {runsError ? (
          <p className="error" role="alert">
            Could not load the runs: {runsError}
          </p>
        ) : loaded ? (
          <SideBySide
            candidate={loaded.candidate}
            holder={alreadyHolds ? null : holderRun}
            candidateLabel={`v${version.version}`}
            holderLabel={holder && !alreadyHolds ? `v${holder.version}` : null}
          />
        ) : (
          <p className="loading" role="status">
            Loading the runs…
          </p>
        )}

        <div className="field">
          <label htmlFor={ids.reason}>Reason (required, kept in the audit trail)</label>
          <textarea
            id={ids.reason}
            rows={2}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            onBlur={() => setTouched(true)}
            aria-invalid={reasonError ? true : undefined}
            aria-describedby={reasonError ? `${ids.reason}-err` : undefined}
            required
            data-testid="promote-reason"
          />
          {reasonError ? (
            <p className="field-error" id={`${ids.reason}-err`}>
              {reasonError}
            </p>
          ) : null}
        </div>

        {error ? (
          <p className="error md-error" role="alert" data-testid="promote-error">
            <strong>{error.code}</strong>: {error.message}
          </p>
        ) : null}

        <div className="row md-buttons">
          <button
            type="submit"
            className="primary"
            disabled={busy || alreadyHolds}
            data-testid="promote-confirm"
          >
            {busy ? 'Promoting…' : `Promote to ${aliasValid ? alias : '…'}`}
          </button>
          <button
            type="button"
            onClick={() => {
              ref.current?.close();
            }}
          >
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}

function ArchiveDialog({
  modelName,
  version,
  onClose,
}: {
  modelName: string;
  version: VersionSummary;
  onClose: () => void;
}) {
  const router = useRouter();
  const ref = useRef<HTMLDialogElement>(null);
  const ids = { reason: useId(), title: useId() };
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);

  useEffect(() => {
    ref.current?.showModal();
  }, []);

  const reasonError = touched && !reason.trim() ? 'Say why you archive this version.' : null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!reason.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await browserGql(ARCHIVE, { versionId: version.id, reason: reason.trim() });
      ref.current?.close();
      onClose();
      router.refresh();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog
      ref={ref}
      aria-labelledby={ids.title}
      className="md-dialog"
      onClose={onClose}
      data-testid="archive-dialog"
    >
      <form onSubmit={submit} className="form" noValidate>
        <h2 id={ids.title}>
          Archive {modelName} v{version.version}
        </h2>
        <p>
          An archived version holds no alias
          {version.aliases.length ? (
            <>
              : <strong>{version.aliases.join(', ')}</strong> will be removed (and the removal
              audited)
            </>
          ) : null}
          . It stays listed, and its run and files are kept.
        </p>
        <div className="field">
          <label htmlFor={ids.reason}>Reason (required)</label>
          <textarea
            id={ids.reason}
            rows={2}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            onBlur={() => setTouched(true)}
            aria-invalid={reasonError ? true : undefined}
            required
            data-testid="archive-reason"
          />
          {reasonError ? <p className="field-error">{reasonError}</p> : null}
        </div>
        {error ? (
          <p className="error md-error" role="alert" data-testid="archive-error">
            <strong>{error.code}</strong>: {error.message}
          </p>
        ) : null}
        <div className="row md-buttons">
          <button type="submit" className="danger" disabled={busy} data-testid="archive-confirm">
            {busy ? 'Archiving…' : 'Archive'}
          </button>
          <button type="button" onClick={() => ref.current?.close()}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}

/**
 * Promote and Archive of one version. Viewers see neither; editors can promote to anything but
 * `production` (shown disabled, with why) and cannot archive (maintainers only). The API checks
 * again: a refusal (FORBIDDEN) is shown in the dialog.
 */
export function VersionActions({
  modelName,
  version,
  holders,
  canPromote,
  maintainer,
}: {
  modelName: string;
  version: VersionSummary;
  holders: Readonly<Record<string, AliasHolder>>;
  /** Editor or maintainer (viewers see no actions). */
  canPromote: boolean;
  /** May move `production` and archive. */
  maintainer: boolean;
}) {
  const [open, setOpen] = useState<'promote' | 'archive' | null>(null);
  if (!canPromote || version.archived) return null;
  return (
    <>
      <button
        type="button"
        onClick={() => setOpen('promote')}
        data-testid="promote-button"
        aria-label={`Promote v${version.version}`}
      >
        Promote…
      </button>
      <button
        type="button"
        className="danger"
        onClick={() => setOpen('archive')}
        disabled={!maintainer}
        title={maintainer ? undefined : 'Only maintainers can archive versions.'}
        data-testid="archive-button"
        aria-label={`Archive v${version.version}`}
      >
        Archive…
      </button>
      {open === 'promote' ? (
        <PromoteDialog
          modelName={modelName}
          version={version}
          holders={holders}
          canProduction={maintainer}
          onClose={() => setOpen(null)}
        />
      ) : null}
      {open === 'archive' ? (
        <ArchiveDialog modelName={modelName} version={version} onClose={() => setOpen(null)} />
      ) : null}
    </>
  );
}
