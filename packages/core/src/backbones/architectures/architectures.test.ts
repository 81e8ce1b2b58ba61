import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  architectures,
  buildAlexNet,
  buildGoogLeNet,
  buildLeNet5,
  buildResNet50,
  buildVgg16,
  type ArchitectureArgs,
  type ArchitectureBuilder,
  type ArchitectureId,
  type BuiltArchitecture,
} from './index.js';

/** Models built by a test; disposed after it. */
const built: tf.LayersModel[] = [];
function build(builder: ArchitectureBuilder, args?: ArchitectureArgs): BuiltArchitecture {
  const b = builder(args);
  built.push(b.model);
  return b;
}
afterEach(() => {
  for (const m of built.splice(0)) m.dispose();
});

let baselineTensors = 0;
beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  baselineTensors = tf.memory().numTensors;
});

function sha256Of(t: tf.Tensor): string {
  const data = t.dataSync() as Float32Array;
  return createHash('sha256')
    .update(Buffer.from(data.buffer, data.byteOffset, data.byteLength))
    .digest('hex');
}

/** sha256 of one weight (the kernel by default) of a layer. */
function weightHash(model: tf.LayersModel, layer: string, index = 0): string {
  const w = model.getLayer(layer).getWeights()[index];
  if (!w) throw new Error(`${layer} has no weight ${index}`);
  return sha256Of(w);
}

function allWeightsHash(model: tf.LayersModel): string {
  const h = createHash('sha256');
  for (const w of model.getWeights()) {
    const d = w.dataSync() as Float32Array;
    h.update(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  }
  return h.digest('hex');
}

const layerNames = (m: tf.LayersModel) => m.layers.map((l) => l.name);

/** Per architecture: the smallest input, its channels, a first and a late conv layer. */
const FACTS: Record<
  ArchitectureId,
  { min: number; channels: number; firstConv: string; lateConv: string }
> = {
  lenet5: { min: 12, channels: 1, firstConv: 'conv1', lateConv: 'conv2' },
  alexnet: { min: 63, channels: 3, firstConv: 'conv1', lateConv: 'conv5' },
  vgg16: { min: 32, channels: 3, firstConv: 'block1_conv1', lateConv: 'block5_conv3' },
  resnet50: { min: 32, channels: 3, firstConv: 'conv1_conv', lateConv: 'conv5_block3_3_conv' },
  googlenet: { min: 32, channels: 3, firstConv: 'conv1_7x7_s2', lateConv: 'inception_5b_5x5' },
};
const IDS = Object.keys(FACTS) as ArchitectureId[];

describe('parameter counts', () => {
  it('LeNet-5: 61,706 with 10 classes, at 32x32 and at 28x28', () => {
    // conv1 5*5*1*6 + 6 = 156; conv2 5*5*6*16 + 16 = 2,416 (pools have none): 2,572 without the top.
    // pool2 is 5x5x16 = 400 at 32x32 (valid conv1) and at 28x28 (same conv1):
    // fc1 400*120 + 120 = 48,120; fc2 120*84 + 84 = 10,164; predictions 84*10 + 10 = 850.
    // 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706.
    expect(build(buildLeNet5).model.countParams()).toBe(61_706);
    expect(build(buildLeNet5, { inputShape: [28, 28, 1] }).model.countParams()).toBe(61_706);
    expect(build(buildLeNet5, { includeTop: false }).model.countParams()).toBe(2_572);
  });

  it('AlexNet (torchvision): 2,469,696 without the top, 61,100,840 with it at 224', () => {
    // conv1 11*11*3*64+64 = 23,296; conv2 5*5*64*192+192 = 307,392; conv3 3*3*192*384+384 = 663,936;
    // conv4 3*3*384*256+256 = 884,992; conv5 3*3*256*256+256 = 590,080 -> 2,469,696.
    // fc6 (6*6*256)*4096+4096 = 37,752,832; fc7 4096*4096+4096 = 16,781,312; 4096*1000+1000 = 4,097,000.
    expect(
      build(buildAlexNet, { includeTop: false, inputShape: [63, 63, 3] }).model.countParams(),
    ).toBe(2_469_696);
    expect(build(buildAlexNet).model.countParams()).toBe(61_100_840);
  });

  it('VGG16 as Keras: 14,714,688 without the top, 138,357,544 with it at 224', () => {
    expect(
      build(buildVgg16, { includeTop: false, inputShape: [32, 32, 3] }).model.countParams(),
    ).toBe(14_714_688);
    expect(build(buildVgg16).model.countParams()).toBe(138_357_544);
  });

  it('ResNet50 as Keras: 23,587,712 without the top, 25,636,712 with it at 224', () => {
    expect(
      build(buildResNet50, { includeTop: false, inputShape: [32, 32, 3] }).model.countParams(),
    ).toBe(23_587_712);
    expect(build(buildResNet50).model.countParams()).toBe(25_636_712);
  });

  it('GoogLeNet (no aux heads): 5,973,552 without the top, 6,998,552 with 1000 classes', () => {
    // Checked by hand against Szegedy et al. 2014 Table 1 (weights in K = 1024, no biases):
    // 3a 192*64 + 192*96 + 9*96*128 + 192*16 + 25*16*32 + 192*32 = 163,328 = 159.5K (table 159K),
    // 5b 832*384 + 832*192 + 9*192*384 + 832*48 + 25*48*128 + 832*128 = 1,442,816 = 1409K (1388K);
    // the table sums to 6,797.7K ~ 6.96M weights, this build has 6,990,272 weights + 8,280 biases.
    expect(
      build(buildGoogLeNet, { includeTop: false, inputShape: [32, 32, 3] }).model.countParams(),
    ).toBe(5_973_552);
    expect(build(buildGoogLeNet).model.countParams()).toBe(6_998_552);
  });
});

describe('output shapes', () => {
  it('feature maps at the classic input sizes', () => {
    const expected: Record<ArchitectureId, number[]> = {
      lenet5: [5, 5, 16],
      alexnet: [6, 6, 256],
      vgg16: [7, 7, 512],
      resnet50: [7, 7, 2048],
      googlenet: [7, 7, 1024],
    };
    for (const id of IDS) {
      const { model } = build(architectures[id], { includeTop: false });
      expect(model.outputs[0]?.shape, id).toEqual([null, ...expected[id]]);
    }
    // LeNet-5 on MNIST's 28x28: `same` conv1 keeps the classic 5x5x16 feature map.
    expect(
      build(buildLeNet5, { inputShape: [28, 28, 1], includeTop: false }).model.outputs[0]?.shape,
    ).toEqual([null, 5, 5, 16]);
    // Concatenated widths of the Inception modules (Table 1's "output size" depths).
    const g = build(buildGoogLeNet, { includeTop: false }).model;
    const depths = ['3a', '3b', '4a', '4b', '4c', '4d', '4e', '5a', '5b'].map(
      (m) => (g.getLayer(`inception_${m}_concat`).outputShape as number[])[3],
    );
    expect(depths).toEqual([256, 480, 512, 512, 512, 528, 832, 832, 1024]);
  });

  it('runs at the minimum input size and outputs a softmax over numClasses', () => {
    for (const id of IDS) {
      const { min, channels } = FACTS[id];
      const { model } = build(architectures[id], {
        inputShape: [min, min, channels],
        numClasses: 7,
      });
      expect(model.outputs[0]?.shape, id).toEqual([null, 7]);
      const y = tf.tidy(() => {
        const out = model.predict(
          tf.randomUniform([2, min, min, channels], 0, 1, 'float32', 1),
        ) as tf.Tensor;
        return out.sum(1);
      });
      expect(y.shape, id).toEqual([2]);
      for (const s of y.dataSync()) expect(s, id).toBeCloseTo(1, 4);
      y.dispose();
    }
  });

  it('non-square inputs', () => {
    const { model } = build(buildResNet50, { inputShape: [64, 96, 3], includeTop: false });
    expect(model.outputs[0]?.shape).toEqual([null, 2, 3, 2048]);
  });
});

describe('block ends, feature layer, names', () => {
  it('blockEnds exist, are in topological order, and end at lastFeatureLayer', () => {
    const counts: Record<ArchitectureId, number> = {
      lenet5: 2,
      alexnet: 5,
      vgg16: 5,
      resnet50: 16,
      googlenet: 11,
    };
    for (const id of IDS) {
      for (const includeTop of [false, true]) {
        const { min, channels } = FACTS[id];
        const b = build(architectures[id], { inputShape: [min, min, channels], includeTop });
        const names = layerNames(b.model);
        const idx = b.blockEnds.map((n) => names.indexOf(n));
        expect(
          idx.every((i) => i >= 0),
          `${id}: ${b.blockEnds.join(',')}`,
        ).toBe(true);
        expect(idx, id).toEqual([...idx].sort((x, y) => x - y));
        expect(new Set(idx).size, id).toBe(idx.length);
        expect(b.blockEnds.length, id).toBe(counts[id]);
        expect(names, id).toContain(b.lastFeatureLayer);
        expect(b.blockEnds[b.blockEnds.length - 1], id).toBe(b.lastFeatureLayer);
        expect(b.minInputSize, id).toBe(min);
        if (!includeTop) expect(names[names.length - 1], id).toBe(b.lastFeatureLayer);
        else expect(names[names.length - 1], id).toBe('predictions');
        // Each block end feeds (transitively) the next one.
        for (let i = 1; i < b.blockEnds.length; i++) {
          expect(
            ancestors(b.model, b.blockEnds[i]!).has(b.blockEnds[i - 1]!),
            `${id} ${b.blockEnds[i]}`,
          ).toBe(true);
        }
      }
    }
  });

  it('names the blocks as documented', () => {
    expect(build(buildVgg16, { includeTop: false, inputShape: [32, 32, 3] }).blockEnds).toEqual([
      'block1_pool',
      'block2_pool',
      'block3_pool',
      'block4_pool',
      'block5_pool',
    ]);
    const r = build(buildResNet50, { includeTop: false, inputShape: [32, 32, 3] });
    expect(r.blockEnds.slice(0, 4)).toEqual([
      'conv2_block1_out',
      'conv2_block2_out',
      'conv2_block3_out',
      'conv3_block1_out',
    ]);
    expect(r.lastFeatureLayer).toBe('conv5_block3_out');
    const g = build(buildGoogLeNet, { includeTop: false, inputShape: [32, 32, 3] });
    expect(g.blockEnds.slice(0, 3)).toEqual([
      'pool1_3x3_s2',
      'pool2_3x3_s2',
      'inception_3a_concat',
    ]);
    expect(g.lastFeatureLayer).toBe('inception_5b_concat');
    for (const suffix of [
      '1x1',
      '3x3_reduce',
      '3x3',
      '5x5_reduce',
      '5x5',
      'pool',
      'pool_proj',
      'concat',
    ]) {
      expect(layerNames(g.model)).toContain(`inception_4e_${suffix}`);
    }
    const v = build(buildVgg16, { inputShape: [32, 32, 3] });
    expect(layerNames(v.model).slice(-4)).toEqual(['flatten', 'fc1', 'fc2', 'predictions']);
  });

  it('every layer has an explicit name: two builds have identical topologies', () => {
    for (const id of IDS) {
      const { min, channels } = FACTS[id];
      const a = build(architectures[id], { inputShape: [min, min, channels] }).model;
      const b = build(architectures[id], { inputShape: [min, min, channels] }).model;
      expect(JSON.stringify(a.toJSON(null, false)), id).toBe(JSON.stringify(b.toJSON(null, false)));
      expect(a.name, id).toBe(id);
      for (const n of layerNames(a))
        expect(n, id).not.toMatch(/_[A-Z][A-Za-z0-9]*\d+$|^(conv2d|dense|input)_\d+$/);
      // Saved weight names are the layers' names, not uniquified variable names.
      const weightNames = a.weights.map((w) => w.originalName);
      expect(
        weightNames.every((n) => /^[a-z0-9_]+\/[a-z_]+$/.test(n)),
        `${id}: ${weightNames[0]}`,
      ).toBe(true);
    }
  });
});

describe('seeds', () => {
  it('the same seed builds identical weights, another seed different ones', () => {
    for (const id of IDS) {
      const { min, channels, firstConv, lateConv } = FACTS[id];
      const args = {
        inputShape: [min, min, channels] as [number, number, number],
        includeTop: false,
      };
      const a = build(architectures[id], { ...args, seed: 7 }).model;
      const b = build(architectures[id], { ...args, seed: 7 }).model;
      const c = build(architectures[id], { ...args, seed: 8 }).model;
      for (const layer of [firstConv, lateConv]) {
        expect(weightHash(a, layer), `${id} ${layer}`).toBe(weightHash(b, layer));
        expect(weightHash(a, layer), `${id} ${layer}`).not.toBe(weightHash(c, layer));
      }
      built.splice(0).forEach((m) => m.dispose());
    }
  });

  it('all weights are reproducible, and the default seed is 42', () => {
    const a = build(buildLeNet5).model;
    const b = build(buildLeNet5, { seed: 42 }).model;
    expect(allWeightsHash(a)).toBe(allWeightsHash(b));
    const g1 = build(buildGoogLeNet, { inputShape: [32, 32, 3] }).model;
    const g2 = build(buildGoogLeNet, { inputShape: [32, 32, 3], seed: 42 }).model;
    expect(allWeightsHash(g1)).toBe(allWeightsHash(g2));
  });

  it('each layer gets its own seed (same-shaped kernels differ)', () => {
    const v = build(buildVgg16, { includeTop: false, inputShape: [32, 32, 3] }).model;
    expect(weightHash(v, 'block5_conv2')).not.toBe(weightHash(v, 'block5_conv3'));
    const r = build(buildResNet50, { includeTop: false, inputShape: [32, 32, 3] }).model;
    expect(weightHash(r, 'conv2_block2_2_conv')).not.toBe(weightHash(r, 'conv2_block3_2_conv'));
  });
});

describe('input validation', () => {
  it('throws below the minimum input size, mentioning it', () => {
    for (const id of IDS) {
      const { min, channels } = FACTS[id];
      const before = tf.memory().numTensors;
      expect(() => architectures[id]({ inputShape: [min - 1, min, channels] }), id).toThrow(
        new RegExp(`at least ${min}x${min}`),
      );
      expect(
        () => architectures[id]({ inputShape: [min, min - 1, channels], includeTop: false }),
        id,
      ).toThrow(/minimum input size/);
      expect(tf.memory().numTensors, id).toBe(before);
    }
  });

  it('rejects bad shapes, class counts and seeds', () => {
    expect(() =>
      buildLeNet5({ inputShape: [32, 32] as unknown as [number, number, number] }),
    ).toThrow(/inputShape/);
    expect(() => buildLeNet5({ inputShape: [32, 32, 0] })).toThrow(/inputShape/);
    expect(() => buildLeNet5({ numClasses: 0 })).toThrow(/numClasses/);
    expect(() => buildLeNet5({ numClasses: 2.5 })).toThrow(/numClasses/);
    expect(() => buildLeNet5({ seed: 1.5 })).toThrow(/seed/);
  });
});

describe('ResNet50 structure', () => {
  it('has projection shortcuts in the first block of each stage and identity shortcuts elsewhere', () => {
    const { model } = build(buildResNet50, { includeTop: false, inputShape: [32, 32, 3] });
    const names = new Set(layerNames(model));
    const blocks: Record<number, number> = { 2: 3, 3: 4, 4: 6, 5: 3 };
    let projections = 0;
    let identities = 0;
    for (const [stage, n] of Object.entries(blocks)) {
      for (let b = 1; b <= n; b++) {
        const p = `conv${stage}_block${b}`;
        const inbound = model
          .getLayer(`${p}_add`)
          .inboundNodes[0]?.inboundLayers.map((l) => l.name);
        if (b === 1) {
          expect(names.has(`${p}_0_conv`) && names.has(`${p}_0_bn`), p).toBe(true);
          expect(inbound, p).toEqual([`${p}_0_bn`, `${p}_3_bn`]);
          projections++;
        } else {
          expect(names.has(`${p}_0_conv`), p).toBe(false);
          expect(inbound, p).toEqual([`conv${stage}_block${b - 1}_out`, `${p}_3_bn`]);
          identities++;
        }
      }
    }
    expect([projections, identities]).toEqual([4, 12]);
    expect(names.has('conv2_block1_0_conv')).toBe(true);
    for (const n of [
      'conv1_pad',
      'conv1_conv',
      'conv1_bn',
      'conv1_relu',
      'pool1_pad',
      'pool1_pool',
    ]) {
      expect(names.has(n), n).toBe(true);
    }
    const bn = model.getLayer('conv3_block2_1_bn').getConfig();
    expect(bn.epsilon).toBeCloseTo(1.001e-5, 10);
    expect(bn.axis).toBe(3);
    // Stride 2 on the 1x1 convs of the first block of conv3..conv5, as Keras.
    expect(model.getLayer('conv3_block1_1_conv').getConfig().strides).toEqual([2, 2]);
    expect(model.getLayer('conv3_block1_2_conv').getConfig().strides).toEqual([1, 1]);
  });
});

describe('resources', () => {
  it('disposing the models frees every weight', () => {
    for (const m of built.splice(0)) m.dispose();
    const before = tf.memory().numTensors;
    const b = buildResNet50({ inputShape: [32, 32, 3] });
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    b.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(before).toBeLessThanOrEqual(baselineTensors + 5);
  });
});

/** Names of the layers a layer (transitively) depends on. */
function ancestors(model: tf.LayersModel, name: string): Set<string> {
  const seen = new Set<string>();
  const stack = [model.getLayer(name)];
  while (stack.length) {
    const l = stack.pop()!;
    for (const node of l.inboundNodes) {
      for (const p of node.inboundLayers) {
        if (!seen.has(p.name)) {
          seen.add(p.name);
          stack.push(p);
        }
      }
    }
  }
  return seen;
}
