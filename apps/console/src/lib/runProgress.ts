import { graphql } from '@/gql';
import type { RunDetailProgressSubscription } from '@/gql/graphql';

/**
 * The API's `runProgress` subscription as `/api/progress/[runId]` runs it: the route prints this
 * document for graphql-ws and forwards each event's `runProgress` as one Server-Sent Event, so
 * the run page reads exactly the fields selected here.
 */
export const RUN_PROGRESS = graphql(`
  subscription RunDetailProgress($runId: ID!) {
    runProgress(runId: $runId) {
      runId
      status
      stage
      phase
      epoch
      epochs
      batch
      batches
      loss
      accuracy
      valLoss
      valAccuracy
      imagesPerSec
      etaSeconds
    }
  }
`);

/** One `progress` event of `/api/progress/[runId]`. */
export type RunProgressEvent = RunDetailProgressSubscription['runProgress'];
