import { backboneCatalog, loadBackbone, type Backbone } from '@graft/core/backbones';
import { resolveFreeze, type FreezeSpec } from '@graft/core/surgery';
import { describe, expect, it } from 'vitest';
import { resolveFreezePreview, stripFromSpec } from './LayerStripData';

/** The backbone as the console gets it from the API: its layers in order, its block ends. */
const asConsoleSees = (bb: Backbone) => ({
  layers: bb.layerNames.map((name) => ({ name, className: '?', params: 0, outputShape: [] })),
  blockEnds: bb.blockEnds,
  lastFeatureLayer: bb.lastFeatureLayer,
});

/** Every freeze request worth trying on `bb` cut at `cutAt`: each kind, each freeze point. */
function requests(bb: Backbone, cutAt: string): FreezeSpec[] {
  const kept = bb.layerNames.slice(1, bb.layerNames.indexOf(cutAt) + 1);
  const out: FreezeSpec[] = [{ kind: 'all' }];
  for (const layer of kept) out.push({ kind: 'upTo', layer });
  for (let blocks = 0; blocks <= bb.blockEnds.length + 1; blocks++)
    out.push({ kind: 'allButLastBlocks', blocks });
  out.push(
    { kind: 'layers', names: kept.slice(0, 1) },
    { kind: 'layers', names: kept.filter((_, i) => i % 3 === 0) },
    { kind: 'layers', names: kept.slice(-2) },
  );
  for (const pattern of ['conv', '^block_1', 'bn$', 'pool', '_1$', 'mixed[0-4]', 'no-such-layer'])
    out.push({ kind: 'pattern', pattern });
  return out;
}

/** Core's answer, or null when core refuses the request (the API answers that on the field). */
function coreFrozen(bb: Backbone, cutAt: string, freeze: FreezeSpec): string[] | null {
  try {
    return [...resolveFreeze(bb, cutAt, freeze)].sort();
  } catch {
    return null;
  }
}

describe('resolveFreezePreview', () => {
  // Every backbone of core's catalog, as loaded by core (the pretrained ones with their real
  // topology), cut at its default, at each block end and just before each (inside a block).
  it.each(backboneCatalog.map((e) => e.id))(
    'freezes exactly what core freezes on %s',
    async (id) => {
      const bb = await loadBackbone({ source: id });
      const before = bb.blockEnds
        .map((e) => bb.layerNames[bb.layerNames.indexOf(e) - 1])
        .filter((n): n is string => n !== undefined && n !== bb.layerNames[0]);
      const cuts = [...new Set([bb.lastFeatureLayer, ...bb.blockEnds, ...before])];
      let compared = 0;
      const kinds = new Set<string>();
      for (const cutAt of cuts)
        for (const freeze of requests(bb, cutAt)) {
          const expected = coreFrozen(bb, cutAt, freeze);
          if (expected === null) continue;
          const preview = [...resolveFreezePreview(asConsoleSees(bb), cutAt, freeze)].sort();
          expect({ cutAt, freeze, frozen: preview }).toEqual({ cutAt, freeze, frozen: expected });
          compared += 1;
          kinds.add(freeze.kind);
        }
      expect(compared).toBeGreaterThan(cuts.length * 3);
      // Every kind was compared at least once (a pattern may match nothing on small backbones).
      expect([...kinds].sort()).toEqual(
        expect.arrayContaining(['all', 'allButLastBlocks', 'layers', 'upTo']),
      );
    },
  );
});

describe('stripFromSpec', () => {
  it('previews a fine-tuning request on LeNet: frozen, trainable, cut away, the new head', async () => {
    const bb = asConsoleSees(await loadBackbone({ source: 'lenet5-mnist04' }));
    const strip = stripFromSpec(bb, {
      freeze: { kind: 'upTo', layer: 'conv2' },
      head: { dense: [{ units: 16 }], classes: ['5', '6'] },
    });
    expect(strip.cutAt).toBe('flatten');
    expect(strip.resolved).toBe(false);
    expect(strip.layers.map((l) => [l.name, l.state])).toEqual([
      ['input', 'frozen'],
      ['conv1', 'frozen'],
      ['pool1', 'frozen'],
      ['conv2', 'frozen'],
      ['pool2', 'trainable'],
      ['flatten', 'trainable'],
      ['fc1', 'absent'],
      ['dropout', 'absent'],
      ['predictions', 'absent'],
      ['head_dense_1', 'head'],
      ['head_predictions', 'head'],
    ]);
    expect(strip.layers.at(-1)?.outputShape).toEqual([2]);
  });
});
