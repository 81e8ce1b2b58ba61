/**
 * Serialisable surgery configuration, kept apart from the code that acts on it
 * (the way tfjs keeps `keras_format/` apart from `engine/`).
 */

/** Which backbone layers stay frozen. */
export type FreezeSpec =
  /** The whole backbone (feature extraction). */
  | { kind: 'all' }
  /** Everything up to and including `layer`, in topological order. */
  | { kind: 'upTo'; layer: string }
  /** All but the last `blocks` blocks of the backbone (blocks as the backbone declares them). */
  | { kind: 'allButLastBlocks'; blocks: number }
  /** Exactly these layers. */
  | { kind: 'layers'; names: string[] }
  /** Layers whose name matches this regular expression (JavaScript syntax, unanchored). */
  | { kind: 'pattern'; pattern: string };

/** One hidden dense layer of the new head. */
export interface DenseSpec {
  units: number;
  /** Default `relu`. */
  activation?: 'relu' | 'elu' | 'selu' | 'tanh' | 'sigmoid' | 'linear' | 'relu6' | 'swish';
  /** Dropout rate after the layer, 0 to <1; default 0 (none). */
  dropout?: number;
}

/** The new classification head put on the cut backbone. */
export interface HeadSpec {
  /** How a [h, w, c] feature map becomes a vector; default `avg`. Ignored if the cut output is already a vector. */
  pooling?: 'avg' | 'max' | 'flatten';
  /** Hidden dense layers, in order; default none. */
  dense?: DenseSpec[];
  /** Dropout before the softmax layer; default 0. */
  dropout?: number;
  /** Names of the new classes (softmax width = their number); at least 2. */
  classes: string[];
}

/** Everything surgery does to a backbone. JSON-serialisable. */
export interface SurgerySpec {
  /** New input shape [height, width, channels]; default: the backbone's. */
  inputShape?: [number, number, number];
  /** Layer at which the backbone is cut (it is kept, what follows is removed); default: the backbone's last feature layer. */
  cutAt?: string;
  /** What to freeze; default `{ kind: 'all' }`. In fine-tuning this is the phase-2 freeze (phase 1 freezes everything). */
  freeze?: FreezeSpec;
  head: HeadSpec;
}
