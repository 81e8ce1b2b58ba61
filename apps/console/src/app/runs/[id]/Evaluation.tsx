import { num, pct } from '@/lib/format';

export interface PerClassRow {
  className: string;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  support: number | null;
}

export interface ParsedEvaluation {
  accuracy: number | null;
  loss: number | null;
  count: number | null;
  macroF1: number | null;
  classes: string[];
  matrix: number[][] | null;
  perClass: PerClassRow[];
}

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const n = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** Reads the run's `evaluation` JSON ({ accuracy, loss, count, macro, perClass, confusionMatrix }). */
export function parseEvaluation(
  ev: unknown,
  datasetClasses: readonly string[],
): ParsedEvaluation | null {
  if (!isObj(ev)) return null;
  const perClass: PerClassRow[] = Array.isArray(ev['perClass'])
    ? (ev['perClass'] as unknown[]).filter(isObj).map((r, i) => ({
        className:
          typeof r['className'] === 'string' ? r['className'] : (datasetClasses[i] ?? String(i)),
        precision: n(r['precision']),
        recall: n(r['recall']),
        f1: n(r['f1']),
        support: n(r['support']),
      }))
    : [];
  const cm = ev['confusionMatrix'];
  const matrix =
    Array.isArray(cm) && cm.every((row) => Array.isArray(row))
      ? (cm as unknown[][]).map((row) => row.map((v) => n(v) ?? 0))
      : null;
  const classes = perClass.length ? perClass.map((r) => r.className) : [...datasetClasses];
  return {
    accuracy: n(ev['accuracy']),
    loss: n(ev['loss']),
    count: n(ev['count']),
    macroF1: isObj(ev['macro']) ? n(ev['macro']['f1']) : null,
    classes,
    matrix,
    perClass,
  };
}

/**
 * Confusion matrix as a heat map: rows are the true classes, columns the predicted ones; each
 * cell is shaded by its share of the row (recall), the diagonal in green, errors in red.
 */
export function ConfusionMatrix({
  classes,
  matrix,
}: {
  classes: readonly string[];
  matrix: number[][];
}) {
  const many = classes.length > 12;
  return (
    <figure className="rd-cm" data-testid="confusion-matrix">
      <figcaption className="muted">
        Confusion matrix — rows: true class, columns: predicted class (shade: share of the row)
      </figcaption>
      <div className="rd-cm-scroll">
        <table className={many ? 'rd-cm-table rd-cm-small' : 'rd-cm-table'}>
          <thead>
            <tr>
              <th scope="col">
                <span className="muted">true ╲ pred</span>
              </th>
              {classes.map((c) => (
                <th key={c} scope="col" className="rd-cm-h">
                  {c}
                </th>
              ))}
              <th scope="col" className="num">
                n
              </th>
            </tr>
          </thead>
          <tbody>
            {matrix.map((row, i) => {
              const total = row.reduce((s, v) => s + v, 0);
              return (
                <tr key={i}>
                  <th scope="row">{classes[i] ?? i}</th>
                  {row.map((v, j) => {
                    const share = total ? v / total : 0;
                    const diag = i === j;
                    const alpha = v === 0 ? 0 : 0.12 + 0.88 * share;
                    const bg = diag ? `rgba(26, 127, 55, ${alpha})` : `rgba(207, 34, 46, ${alpha})`;
                    return (
                      <td
                        key={j}
                        className="num rd-cm-cell"
                        style={{ background: bg, color: alpha > 0.55 ? '#fff' : undefined }}
                        title={`true ${classes[i] ?? i}, predicted ${classes[j] ?? j}: ${v} (${pct(share)} of the row)`}
                      >
                        {v}
                      </td>
                    );
                  })}
                  <td className="num muted">{total}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

/** Precision, recall, F1 and support per class (the weakest F1 marked). */
export function PerClassTable({ rows }: { rows: readonly PerClassRow[] }) {
  if (rows.length === 0) return null;
  const worst = rows.reduce<PerClassRow | null>(
    (w, r) => (r.f1 !== null && (w === null || (w.f1 ?? 1) > r.f1) ? r : w),
    null,
  );
  return (
    <table className="rd-perclass" data-testid="per-class-table">
      <caption className="muted">Per class (test set)</caption>
      <thead>
        <tr>
          <th>Class</th>
          <th className="num">Precision</th>
          <th className="num">Recall</th>
          <th className="num">F1</th>
          <th className="num">Support</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.className}>
            <td>
              {r.className}
              {rows.length > 2 && worst === r ? <span className="muted"> (weakest)</span> : null}
            </td>
            <td className="num">{pct(r.precision)}</td>
            <td className="num">{pct(r.recall)}</td>
            <td className="num">{pct(r.f1)}</td>
            <td className="num">{num(r.support)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
