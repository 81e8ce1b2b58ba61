import { describe, expect, it } from 'vitest';
import { paramText } from './paramText';

describe('paramText', () => {
  it('shows learning rates as powers of ten and accuracies as percentages', () => {
    expect(paramText('learningRate', '0.0003')).toBe('3e-4');
    expect(paramText('fineTuneLearningRate', '0.0001')).toBe('1e-4');
    expect(paramText('testAccuracy', '0.98765')).toBe('98.77%');
    expect(paramText('frozenParams', '1234567')).toBe('1,234,567');
  });

  it('words the freeze request', () => {
    expect(paramText('freeze', '{"kind":"all"}')).toBe('whole backbone');
    expect(paramText('freeze', '{"kind":"upTo","layer":"conv2"}')).toBe('up to conv2');
    expect(paramText('freeze', '{"kind":"allButLastBlocks","blocks":1}')).toBe(
      'all but last 1 block(s)',
    );
    expect(paramText('freeze', '{"kind":"layers","names":["a","b"]}')).toBe('layers a, b');
    expect(paramText('freeze', '{"kind":"pattern","pattern":"^conv"}')).toBe('pattern /^conv/');
  });

  it('shows missing values, shapes, defaults and other JSON readably', () => {
    expect(paramText('fineTuneLearningRate', 'null')).toBe('–');
    expect(paramText('inputShape', '[96,96,3]')).toBe('96×96×3');
    expect(paramText('head', '{}')).toBe('default');
    expect(paramText('head', '{"pooling":"max"}')).toBe('{"pooling":"max"}');
    expect(paramText('backends', '{"forward":"wasm","train":"cpu"}')).toBe(
      'forward: wasm, train: cpu',
    );
    expect(paramText('mode', '"fine-tuning"')).toBe('fine-tuning');
    expect(paramText('mode', 'not json')).toBe('not json');
  });
});
