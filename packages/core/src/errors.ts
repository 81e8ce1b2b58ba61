/** Base class of every error @graft/core throws on bad input; `code` is stable for callers. */
export class GraftError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Field of the spec the error is about, e.g. `surgery.cutAt`, for field-level reporting. */
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A layer name that the model does not have. The message lists the valid names. */
export class UnknownLayerError extends GraftError {
  constructor(layer: string, modelName: string, valid: string[], field?: string) {
    super(
      'UNKNOWN_LAYER',
      `unknown layer '${layer}'; layers of ${modelName} are: ${valid.join(', ')}`,
      field,
    );
  }
}

/** A spec that cannot be satisfied (impossible shape, bad value). */
export class InvalidSpecError extends GraftError {
  constructor(message: string, field?: string) {
    super('INVALID_SPEC', message, field);
  }
}

/** A fine-tuning learning rate high enough to destroy the pretrained features. */
export class DangerousLearningRateError extends GraftError {
  constructor(lr: number, limit: number, field = 'train.fineTune.learningRate') {
    super(
      'DANGEROUS_LEARNING_RATE',
      `fine-tuning learning rate ${lr} is above ${limit}: a high learning rate on unfrozen ` +
        `pretrained layers makes large updates that destroy the features the backbone learned ` +
        `(use 1e-5..1e-4, the default is 1e-5), or set allowHighLearningRate: true if you mean it`,
      field,
    );
  }
}

/** Images that could not be decoded; `paths` lists every one. */
export class CorruptImagesError extends GraftError {
  constructor(readonly paths: string[]) {
    super(
      'CORRUPT_IMAGES',
      `${paths.length} image(s) could not be decoded: ${paths.join(', ')} ` +
        `(fix or remove them, or set skipCorrupt: true to skip and count them)`,
      'data',
    );
  }
}
