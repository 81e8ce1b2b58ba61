'use client';

import { useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { STATE_LABEL, stripTotals, type LayerState, type StripLayer } from './LayerStripData';

export type { LayerState, StripLayer } from './LayerStripData';

/**
 * The layer strip: every layer of a backbone as a cell coloured frozen or trainable, a marker at
 * the cut, the new head's cells, and the cut-away rest of the backbone muted; hover or focus a
 * cell for its details, or expand the full layer table.
 *
 * Data helpers live in `./LayerStripData` (no 'use client', so server components can call them):
 * `stripFromSurgery(run.surgery, run.backbone)` turns a run's `surgery` JSON into `{ layers,
 * cutAt }`, `stripFromSpec(backbone, request)` previews a SurgerySpec (New run form),
 * `stripStates(layers)` makes another strip's `compareStates`.
 */

export interface LayerStripProps {
  /** Backbone layers in topological order (kept and cut away), then the head layers. */
  layers: readonly StripLayer[];
  /** The last kept backbone layer; the cut marker goes after it. */
  cutAt?: string | null;
  /**
   * Makes the kept backbone cells selectable (e.g. the freeze point on New run); called with the
   * layer name on click, Enter or Space (head and cut-away cells are not selectable).
   */
  onSelect?: (layerName: string) => void;
  /** The selected layer (highlighted, aria-selected) when `onSelect` is given. */
  selected?: string | null;
  /** States of the same layers in another run: cells whose state differs are highlighted. */
  compareStates?: Readonly<Record<string, string>>;
  /** What the other run is called in diff tooltips; default "the other run". */
  compareLabel?: string;
  /** Accessible name of the strip; default "Layers". */
  label?: string;
  /** Show the layer table expanded at first. */
  defaultExpanded?: boolean;
  /** data-testid of the wrapper; default "layer-strip". */
  testId?: string;
}

const shapeText = (shape: readonly (number | null)[]): string =>
  shape.length === 0 ? '–' : shape.map((d) => (d === null ? '?' : String(d))).join('×');
const paramsText = (p: number | null): string => (p === null ? '?' : p.toLocaleString('en-US'));

function stateOf(s: string | undefined): string {
  return s && s in STATE_LABEL ? STATE_LABEL[s as LayerState] : (s ?? 'absent');
}

function describe(l: StripLayer, other: string | undefined, otherLabel: string): string {
  const base = `${l.name} · ${l.className} · ${shapeText(l.outputShape)} · ${paramsText(l.params)} params · ${STATE_LABEL[l.state]}`;
  return other !== undefined && other !== l.state
    ? `${base} (${stateOf(other)} in ${otherLabel})`
    : base;
}

export function LayerStrip({
  layers,
  cutAt,
  onSelect,
  selected,
  compareStates,
  compareLabel = 'the other run',
  label = 'Layers',
  defaultExpanded = false,
  testId = 'layer-strip',
}: LayerStripProps) {
  const [expanded, setExpanded] = useState(defaultExpanded);
  const [active, setActive] = useState<number>(-1);
  const [focusIdx, setFocusIdx] = useState(0);
  const cells = useRef<(HTMLElement | null)[]>([]);
  const tableId = useId();
  const infoId = useId();

  // Display order: kept backbone | cut | new head | cut-away rest (muted).
  const order = useMemo(() => {
    const kept = layers.filter((l) => l.state === 'frozen' || l.state === 'trainable');
    const head = layers.filter((l) => l.state === 'head');
    const absent = layers.filter((l) => l.state === 'absent');
    return { kept, head, absent, all: [...kept, ...head, ...absent] };
  }, [layers]);
  const totals = useMemo(() => stripTotals(layers), [layers]);
  const diffCount = compareStates
    ? layers.filter((l) => compareStates[l.name] !== undefined && compareStates[l.name] !== l.state)
        .length
    : 0;

  const focusCell = (i: number) => {
    const n = order.all.length;
    if (n === 0) return;
    const j = Math.max(0, Math.min(n - 1, i));
    setFocusIdx(j);
    setActive(j);
    cells.current[j]?.focus();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLElement>, i: number) => {
    const l = order.all[i];
    switch (e.key) {
      case 'ArrowRight':
      case 'ArrowDown':
        e.preventDefault();
        focusCell(i + 1);
        break;
      case 'ArrowLeft':
      case 'ArrowUp':
        e.preventDefault();
        focusCell(i - 1);
        break;
      case 'Home':
        e.preventDefault();
        focusCell(0);
        break;
      case 'End':
        e.preventDefault();
        focusCell(order.all.length - 1);
        break;
      case 'PageDown':
        e.preventDefault();
        focusCell(i + 10);
        break;
      case 'PageUp':
        e.preventDefault();
        focusCell(i - 10);
        break;
      case 'Enter':
      case ' ':
        if (onSelect && l && pickable(l)) {
          e.preventDefault();
          onSelect(l.name);
        }
        break;
    }
  };

  const pickable = (l: StripLayer) =>
    selectable && (l.state === 'frozen' || l.state === 'trainable');
  const shown = active >= 0 ? order.all[active] : undefined;
  const selectable = onSelect !== undefined;

  const cell = (l: StripLayer) => {
    const i = order.all.indexOf(l);
    const other = compareStates?.[l.name];
    const differs = other !== undefined && other !== l.state;
    const isSel = selectable && selected === l.name;
    const canPick = pickable(l);
    const cls = [
      'ls-cell',
      `ls-${l.state}`,
      differs ? 'ls-differs' : '',
      isSel ? 'ls-selected' : '',
      (l.params ?? 0) === 0 ? 'ls-noparams' : '',
      canPick ? 'ls-pickable' : '',
    ]
      .filter(Boolean)
      .join(' ');
    return (
      <span
        key={l.name}
        ref={(el) => {
          cells.current[i] = el;
        }}
        className={cls}
        role={selectable ? 'option' : 'listitem'}
        aria-selected={selectable ? isSel : undefined}
        aria-disabled={selectable && !canPick ? true : undefined}
        aria-label={describe(l, other, compareLabel)}
        title={describe(l, other, compareLabel)}
        tabIndex={i === focusIdx ? 0 : -1}
        data-layer={l.name}
        data-state={l.state}
        data-differs={differs ? 'true' : undefined}
        onMouseEnter={() => setActive(i)}
        onFocus={() => {
          setActive(i);
          setFocusIdx(i);
        }}
        onClick={pickable(l) ? () => onSelect?.(l.name) : undefined}
        onKeyDown={(e) => onKeyDown(e, i)}
      />
    );
  };

  return (
    <div className="ls" data-testid={testId}>
      <div className="ls-legend" aria-hidden="true">
        <span>
          <i className="ls-swatch ls-frozen" /> frozen {totals.frozen.layers} ·{' '}
          {totals.frozen.params.toLocaleString('en-US')} params
        </span>
        <span>
          <i className="ls-swatch ls-trainable" /> trainable {totals.trainable.layers} ·{' '}
          {totals.trainable.params.toLocaleString('en-US')}
        </span>
        <span>
          <i className="ls-swatch ls-head" /> new head {totals.head.layers}
          {totals.head.params ? ` · ${totals.head.params.toLocaleString('en-US')}` : ''}
        </span>
        {totals.absent.layers ? (
          <span>
            <i className="ls-swatch ls-absent" /> cut away {totals.absent.layers}
          </span>
        ) : null}
        {compareStates ? (
          <span data-testid={`${testId}-diffcount`}>
            <i className="ls-swatch ls-differs-swatch" /> {diffCount} differ from {compareLabel}
          </span>
        ) : null}
      </div>
      <div
        className={`ls-cells${selectable ? ' ls-selectable' : ''}${layers.length <= 40 ? ' ls-few' : layers.length > 250 ? ' ls-many' : ''}`}
        role={selectable ? 'listbox' : 'list'}
        aria-label={`${label}: ${layers.length} layers${cutAt ? `, cut after ${cutAt}` : ''}${selectable ? '; arrow keys to move, Enter to pick' : '; arrow keys to move'}`}
        aria-describedby={infoId}
        onMouseLeave={() => setActive(-1)}
      >
        {order.kept.map(cell)}
        {cutAt ? (
          <span
            className="ls-cut"
            role="presentation"
            title={`Cut after ${cutAt}`}
            data-testid={`${testId}-cut`}
          >
            <span aria-hidden="true">✂</span>
          </span>
        ) : null}
        {order.head.map(cell)}
        {order.absent.length ? <span className="ls-gap" role="presentation" /> : null}
        {order.absent.map(cell)}
      </div>
      <div className="ls-info" id={infoId} aria-live="polite" data-testid={`${testId}-info`}>
        {shown ? (
          <>
            <strong className="mono">{shown.name}</strong> {shown.className} ·{' '}
            <span className="mono">{shapeText(shown.outputShape)}</span> ·{' '}
            {paramsText(shown.params)} params ·{' '}
            <span className={`ls-tag ls-${shown.state}`}>{STATE_LABEL[shown.state]}</span>
            {compareStates?.[shown.name] !== undefined &&
            compareStates[shown.name] !== shown.state ? (
              <span className="ls-tag ls-differs-tag">
                {stateOf(compareStates[shown.name])} in {compareLabel}
              </span>
            ) : null}
          </>
        ) : (
          <span className="muted">
            {cutAt ? (
              <>
                Cut after <code>{cutAt}</code>.{' '}
              </>
            ) : null}
            Hover or focus a cell for its layer{selectable ? '; click or Enter to pick it' : ''}.
          </span>
        )}
        <button
          type="button"
          className="link ls-toggle"
          aria-expanded={expanded}
          aria-controls={tableId}
          onClick={() => setExpanded((x) => !x)}
          data-testid={`${testId}-toggle`}
        >
          {expanded ? 'Hide layer table' : 'Show layer table'}
        </button>
      </div>
      {expanded ? (
        <div className="ls-table" id={tableId}>
          <table aria-label={`${label} table`}>
            <thead>
              <tr>
                <th className="num">#</th>
                <th>Layer</th>
                <th>Class</th>
                <th>Output shape</th>
                <th className="num">Params</th>
                <th>State</th>
                {compareStates ? <th>{compareLabel}</th> : null}
                {selectable ? (
                  <th>
                    <span className="ls-sr">Pick</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {order.all.map((l, i) => {
                const other = compareStates?.[l.name];
                const differs = other !== undefined && other !== l.state;
                return (
                  <tr
                    key={l.name}
                    className={differs ? 'diff' : undefined}
                    data-layer={l.name}
                    aria-selected={selectable ? selected === l.name : undefined}
                  >
                    <td className="num muted">{i}</td>
                    <td className="mono">
                      {l.name}
                      {l.name === cutAt ? <span className="badge ls-cut-badge">cut</span> : null}
                    </td>
                    <td>{l.className}</td>
                    <td className="mono">{shapeText(l.outputShape)}</td>
                    <td className="num">{paramsText(l.params)}</td>
                    <td>
                      <span className={`ls-tag ls-${l.state}`}>{STATE_LABEL[l.state]}</span>
                    </td>
                    {compareStates ? <td>{other === undefined ? '–' : stateOf(other)}</td> : null}
                    {selectable ? (
                      <td>
                        {l.state === 'frozen' || l.state === 'trainable' ? (
                          <button
                            type="button"
                            className="link"
                            onClick={() => onSelect(l.name)}
                            aria-pressed={selected === l.name}
                          >
                            {selected === l.name ? 'picked' : 'pick'}
                          </button>
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
