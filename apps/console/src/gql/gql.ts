/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query BackbonesPage {\n    backbones {\n      id\n      name\n      family\n      pretrained\n      inputShape\n      lastFeatureLayer\n      sourceUri\n      weightsSha256\n      topologySha256\n      preprocessing {\n        scale\n        offset\n        channels\n      }\n      layers {\n        params\n      }\n    }\n  }\n": typeof types.BackbonesPageDocument,
    "\n  query BackbonesPageLayers($id: ID!) {\n    backbone(id: $id) {\n      id\n      name\n      blockEnds\n      lastFeatureLayer\n      layers {\n        ...BackboneLayerRow\n      }\n    }\n  }\n": typeof types.BackbonesPageLayersDocument,
    "\n  query ComparePage($ids: [ID!]!) {\n    compareRuns(ids: $ids) {\n      bestRunId\n      parameters {\n        name\n        differs\n        values\n      }\n      layers {\n        name\n        states\n        differs\n      }\n      series {\n        runId\n        epochs {\n          phase\n          epoch\n          loss\n          accuracy\n          valLoss\n          valAccuracy\n        }\n      }\n      runs {\n        id\n        status\n        mode\n        tags\n        backbone {\n          id\n          name\n        }\n        dataset {\n          id\n          name\n        }\n        bestValAccuracy\n        testAccuracy\n        startedAt\n        finishedAt\n        surgery\n      }\n    }\n  }\n": typeof types.ComparePageDocument,
    "\n  mutation DatasetsPageCreate($input: CreateDatasetInput!) {\n    createDataset(input: $input) {\n      id\n      name\n    }\n  }\n": typeof types.DatasetsPageCreateDocument,
    "\n  query DatasetsPage {\n    datasets {\n      id\n      name\n      classes\n      contentHash\n      createdAt\n      source\n      counts {\n        total\n      }\n    }\n  }\n": typeof types.DatasetsPageDocument,
    "\n  query DatasetsPageCounts($id: ID!) {\n    dataset(id: $id) {\n      id\n      counts {\n        perClass {\n          className\n          count\n        }\n      }\n    }\n  }\n": typeof types.DatasetsPageCountsDocument,
    "\n  query LineagePage($versionId: ID!) {\n    lineage(versionId: $versionId) {\n      backbone\n      dataset\n      run\n      record\n      model {\n        id\n        name\n      }\n      version {\n        id\n        version\n        aliases\n        archived\n        createdAt\n        runId\n      }\n      parent {\n        id\n        version\n        modelId\n        runId\n      }\n      children {\n        id\n        version\n        modelId\n        runId\n      }\n    }\n    models {\n      id\n      name\n    }\n  }\n": typeof types.LineagePageDocument,
    "\n  mutation PromoteVersion($versionId: ID!, $alias: String!, $reason: String!) {\n    promoteModelVersion(versionId: $versionId, alias: $alias, reason: $reason) {\n      id\n      aliases\n    }\n  }\n": typeof types.PromoteVersionDocument,
    "\n  mutation ArchiveVersion($versionId: ID!, $reason: String) {\n    archiveModelVersion(versionId: $versionId, reason: $reason) {\n      id\n      archived\n    }\n  }\n": typeof types.ArchiveVersionDocument,
    "\n  query PromoteDialogRuns($candidate: ID!, $holder: ID!, $hasHolder: Boolean!) {\n    candidate: run(id: $candidate) {\n      ...PromoteDialogRun\n    }\n    holder: run(id: $holder) @include(if: $hasHolder) {\n      ...PromoteDialogRun\n    }\n  }\n  fragment PromoteDialogRun on Run {\n    id\n    status\n    mode\n    testAccuracy\n    bestValAccuracy\n    frozenParams\n    trainableParams\n    headLr\n    fineTuneLr\n    surgery\n    backbone {\n      id\n      name\n    }\n    dataset {\n      id\n      name\n    }\n  }\n": typeof types.PromoteDialogRunsDocument,
    "\n  query ModelPage($name: String!) {\n    model(name: $name) {\n      id\n      name\n      description\n      createdAt\n      aliases {\n        alias\n        versionId\n        updatedAt\n      }\n      versions {\n        id\n        version\n        createdAt\n        archived\n        aliases\n        runId\n      }\n      aliasHistory {\n        actor\n        alias\n        at\n        fromVersion\n        toVersion\n        reason\n      }\n    }\n  }\n": typeof types.ModelPageDocument,
    "\n  query ModelPageRun($id: ID!) {\n    run(id: $id) {\n      id\n      status\n      mode\n      testAccuracy\n      bestValAccuracy\n      frozenParams\n      trainableParams\n      headLr\n      fineTuneLr\n      backbone {\n        id\n        name\n      }\n      dataset {\n        id\n        name\n      }\n    }\n  }\n": typeof types.ModelPageRunDocument,
    "\n  query ModelsPage {\n    models {\n      id\n      name\n      description\n      createdAt\n    }\n  }\n": typeof types.ModelsPageDocument,
    "\n  query ModelsPageSummary($name: String!) {\n    model(name: $name) {\n      id\n      aliases {\n        alias\n        versionId\n        updatedAt\n      }\n      versions {\n        id\n        version\n        createdAt\n        archived\n      }\n    }\n  }\n": typeof types.ModelsPageSummaryDocument,
    "\n  fragment RunsTableRow on Run {\n    id\n    status\n    mode\n    backbone {\n      id\n      name\n    }\n    dataset {\n      id\n      name\n    }\n    frozenParams\n    trainableParams\n    headLr\n    fineTuneLr\n    bestValAccuracy\n    testAccuracy\n    createdAt\n    startedAt\n    finishedAt\n    startedBy\n    tags\n  }\n": typeof types.RunsTableRowFragmentDoc,
    "\n  query RunsTableLive {\n    running: runs(first: 100, filter: { status: running }) {\n      items {\n        id\n        status\n        startedAt\n      }\n    }\n    queued: runs(first: 500, filter: { status: queued }) {\n      hasNextPage\n      items {\n        id\n      }\n    }\n  }\n": typeof types.RunsTableLiveDocument,
    "\n  mutation RunDetailCreateModelVersion($modelName: String!, $runId: ID!) {\n    createModelVersion(modelName: $modelName, runId: $runId) {\n      id\n      version\n    }\n  }\n": typeof types.RunDetailCreateModelVersionDocument,
    "\n  fragment RunDetailEpoch on RunEpoch {\n    phase\n    epoch\n    loss\n    accuracy\n    valLoss\n    valAccuracy\n    seconds\n  }\n": typeof types.RunDetailEpochFragmentDoc,
    "\n  query RunDetailLive($id: ID!) {\n    run(id: $id) {\n      id\n      status\n      epochs {\n        ...RunDetailEpoch\n      }\n    }\n  }\n": typeof types.RunDetailLiveDocument,
    "\n  query RunDetail($id: ID!) {\n    run(id: $id) {\n      id\n      status\n      attempt\n      mode\n      backbone {\n        id\n        name\n        inputShape\n        ...LayerStripBackbone\n      }\n      dataset {\n        id\n        name\n        classes\n      }\n      frozenParams\n      trainableParams\n      headLr\n      fineTuneLr\n      bestValAccuracy\n      testAccuracy\n      createdAt\n      startedAt\n      finishedAt\n      startedBy\n      tags\n      epochs {\n        ...RunDetailEpoch\n      }\n      surgery\n      train\n      evaluation\n      lineage\n      artifacts {\n        key\n        name\n        kind\n        bytes\n        sha256\n        url\n      }\n      log\n      error\n    }\n  }\n": typeof types.RunDetailDocument,
    "\n  query RunDetailModelNames {\n    models {\n      name\n    }\n  }\n": typeof types.RunDetailModelNamesDocument,
    "\n  query RunDetailModelVersions($name: String!) {\n    model(name: $name) {\n      name\n      versions {\n        id\n        version\n        runId\n      }\n    }\n  }\n": typeof types.RunDetailModelVersionsDocument,
    "\n  query NewRunBackbone($id: ID!) {\n    backbone(id: $id) {\n      id\n      name\n      inputShape\n      ...LayerStripBackbone\n    }\n  }\n": typeof types.NewRunBackboneDocument,
    "\n  mutation NewRunStart($input: StartRunInput!) {\n    startRun(input: $input) {\n      id\n    }\n  }\n": typeof types.NewRunStartDocument,
    "\n  query NewRunChoices {\n    backbones {\n      id\n      name\n      family\n      inputShape\n    }\n    datasets {\n      id\n      name\n      classes\n      counts {\n        total\n      }\n    }\n  }\n": typeof types.NewRunChoicesDocument,
    "\n  query RunsPage($first: Int!, $after: String, $filter: RunFilter, $orderBy: RunOrder) {\n    runs(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {\n      endCursor\n      hasNextPage\n      items {\n        ...RunsTableRow\n      }\n    }\n  }\n": typeof types.RunsPageDocument,
    "\n  query RunsPageFilterOptions {\n    backbones {\n      id\n      name\n    }\n    datasets {\n      id\n      name\n    }\n  }\n": typeof types.RunsPageFilterOptionsDocument,
    "\n  fragment BackboneLayerRow on BackboneLayer {\n    name\n    className\n    params\n    outputShape\n  }\n": typeof types.BackboneLayerRowFragmentDoc,
    "\n  fragment LayerStripBackbone on Backbone {\n    lastFeatureLayer\n    blockEnds\n    layers {\n      ...BackboneLayerRow\n    }\n  }\n": typeof types.LayerStripBackboneFragmentDoc,
    "\n  query RunExists($id: ID!) {\n    run(id: $id) {\n      id\n    }\n  }\n": typeof types.RunExistsDocument,
    "\n  query ModelExists($name: String!) {\n    model(name: $name) {\n      id\n    }\n  }\n": typeof types.ModelExistsDocument,
    "\n  query VersionExists($versionId: ID!) {\n    lineage(versionId: $versionId) {\n      version {\n        id\n      }\n    }\n  }\n": typeof types.VersionExistsDocument,
    "\n  subscription RunDetailProgress($runId: ID!) {\n    runProgress(runId: $runId) {\n      runId\n      status\n      stage\n      phase\n      epoch\n      epochs\n      batch\n      batches\n      loss\n      accuracy\n      valLoss\n      valAccuracy\n      imagesPerSec\n      etaSeconds\n    }\n  }\n": typeof types.RunDetailProgressDocument,
    "\n  query SignInMe {\n    me {\n      name\n      role\n    }\n  }\n": typeof types.SignInMeDocument,
    "\n  query LayoutMe {\n    me {\n      name\n      role\n    }\n  }\n": typeof types.LayoutMeDocument,
};
const documents: Documents = {
    "\n  query BackbonesPage {\n    backbones {\n      id\n      name\n      family\n      pretrained\n      inputShape\n      lastFeatureLayer\n      sourceUri\n      weightsSha256\n      topologySha256\n      preprocessing {\n        scale\n        offset\n        channels\n      }\n      layers {\n        params\n      }\n    }\n  }\n": types.BackbonesPageDocument,
    "\n  query BackbonesPageLayers($id: ID!) {\n    backbone(id: $id) {\n      id\n      name\n      blockEnds\n      lastFeatureLayer\n      layers {\n        ...BackboneLayerRow\n      }\n    }\n  }\n": types.BackbonesPageLayersDocument,
    "\n  query ComparePage($ids: [ID!]!) {\n    compareRuns(ids: $ids) {\n      bestRunId\n      parameters {\n        name\n        differs\n        values\n      }\n      layers {\n        name\n        states\n        differs\n      }\n      series {\n        runId\n        epochs {\n          phase\n          epoch\n          loss\n          accuracy\n          valLoss\n          valAccuracy\n        }\n      }\n      runs {\n        id\n        status\n        mode\n        tags\n        backbone {\n          id\n          name\n        }\n        dataset {\n          id\n          name\n        }\n        bestValAccuracy\n        testAccuracy\n        startedAt\n        finishedAt\n        surgery\n      }\n    }\n  }\n": types.ComparePageDocument,
    "\n  mutation DatasetsPageCreate($input: CreateDatasetInput!) {\n    createDataset(input: $input) {\n      id\n      name\n    }\n  }\n": types.DatasetsPageCreateDocument,
    "\n  query DatasetsPage {\n    datasets {\n      id\n      name\n      classes\n      contentHash\n      createdAt\n      source\n      counts {\n        total\n      }\n    }\n  }\n": types.DatasetsPageDocument,
    "\n  query DatasetsPageCounts($id: ID!) {\n    dataset(id: $id) {\n      id\n      counts {\n        perClass {\n          className\n          count\n        }\n      }\n    }\n  }\n": types.DatasetsPageCountsDocument,
    "\n  query LineagePage($versionId: ID!) {\n    lineage(versionId: $versionId) {\n      backbone\n      dataset\n      run\n      record\n      model {\n        id\n        name\n      }\n      version {\n        id\n        version\n        aliases\n        archived\n        createdAt\n        runId\n      }\n      parent {\n        id\n        version\n        modelId\n        runId\n      }\n      children {\n        id\n        version\n        modelId\n        runId\n      }\n    }\n    models {\n      id\n      name\n    }\n  }\n": types.LineagePageDocument,
    "\n  mutation PromoteVersion($versionId: ID!, $alias: String!, $reason: String!) {\n    promoteModelVersion(versionId: $versionId, alias: $alias, reason: $reason) {\n      id\n      aliases\n    }\n  }\n": types.PromoteVersionDocument,
    "\n  mutation ArchiveVersion($versionId: ID!, $reason: String) {\n    archiveModelVersion(versionId: $versionId, reason: $reason) {\n      id\n      archived\n    }\n  }\n": types.ArchiveVersionDocument,
    "\n  query PromoteDialogRuns($candidate: ID!, $holder: ID!, $hasHolder: Boolean!) {\n    candidate: run(id: $candidate) {\n      ...PromoteDialogRun\n    }\n    holder: run(id: $holder) @include(if: $hasHolder) {\n      ...PromoteDialogRun\n    }\n  }\n  fragment PromoteDialogRun on Run {\n    id\n    status\n    mode\n    testAccuracy\n    bestValAccuracy\n    frozenParams\n    trainableParams\n    headLr\n    fineTuneLr\n    surgery\n    backbone {\n      id\n      name\n    }\n    dataset {\n      id\n      name\n    }\n  }\n": types.PromoteDialogRunsDocument,
    "\n  query ModelPage($name: String!) {\n    model(name: $name) {\n      id\n      name\n      description\n      createdAt\n      aliases {\n        alias\n        versionId\n        updatedAt\n      }\n      versions {\n        id\n        version\n        createdAt\n        archived\n        aliases\n        runId\n      }\n      aliasHistory {\n        actor\n        alias\n        at\n        fromVersion\n        toVersion\n        reason\n      }\n    }\n  }\n": types.ModelPageDocument,
    "\n  query ModelPageRun($id: ID!) {\n    run(id: $id) {\n      id\n      status\n      mode\n      testAccuracy\n      bestValAccuracy\n      frozenParams\n      trainableParams\n      headLr\n      fineTuneLr\n      backbone {\n        id\n        name\n      }\n      dataset {\n        id\n        name\n      }\n    }\n  }\n": types.ModelPageRunDocument,
    "\n  query ModelsPage {\n    models {\n      id\n      name\n      description\n      createdAt\n    }\n  }\n": types.ModelsPageDocument,
    "\n  query ModelsPageSummary($name: String!) {\n    model(name: $name) {\n      id\n      aliases {\n        alias\n        versionId\n        updatedAt\n      }\n      versions {\n        id\n        version\n        createdAt\n        archived\n      }\n    }\n  }\n": types.ModelsPageSummaryDocument,
    "\n  fragment RunsTableRow on Run {\n    id\n    status\n    mode\n    backbone {\n      id\n      name\n    }\n    dataset {\n      id\n      name\n    }\n    frozenParams\n    trainableParams\n    headLr\n    fineTuneLr\n    bestValAccuracy\n    testAccuracy\n    createdAt\n    startedAt\n    finishedAt\n    startedBy\n    tags\n  }\n": types.RunsTableRowFragmentDoc,
    "\n  query RunsTableLive {\n    running: runs(first: 100, filter: { status: running }) {\n      items {\n        id\n        status\n        startedAt\n      }\n    }\n    queued: runs(first: 500, filter: { status: queued }) {\n      hasNextPage\n      items {\n        id\n      }\n    }\n  }\n": types.RunsTableLiveDocument,
    "\n  mutation RunDetailCreateModelVersion($modelName: String!, $runId: ID!) {\n    createModelVersion(modelName: $modelName, runId: $runId) {\n      id\n      version\n    }\n  }\n": types.RunDetailCreateModelVersionDocument,
    "\n  fragment RunDetailEpoch on RunEpoch {\n    phase\n    epoch\n    loss\n    accuracy\n    valLoss\n    valAccuracy\n    seconds\n  }\n": types.RunDetailEpochFragmentDoc,
    "\n  query RunDetailLive($id: ID!) {\n    run(id: $id) {\n      id\n      status\n      epochs {\n        ...RunDetailEpoch\n      }\n    }\n  }\n": types.RunDetailLiveDocument,
    "\n  query RunDetail($id: ID!) {\n    run(id: $id) {\n      id\n      status\n      attempt\n      mode\n      backbone {\n        id\n        name\n        inputShape\n        ...LayerStripBackbone\n      }\n      dataset {\n        id\n        name\n        classes\n      }\n      frozenParams\n      trainableParams\n      headLr\n      fineTuneLr\n      bestValAccuracy\n      testAccuracy\n      createdAt\n      startedAt\n      finishedAt\n      startedBy\n      tags\n      epochs {\n        ...RunDetailEpoch\n      }\n      surgery\n      train\n      evaluation\n      lineage\n      artifacts {\n        key\n        name\n        kind\n        bytes\n        sha256\n        url\n      }\n      log\n      error\n    }\n  }\n": types.RunDetailDocument,
    "\n  query RunDetailModelNames {\n    models {\n      name\n    }\n  }\n": types.RunDetailModelNamesDocument,
    "\n  query RunDetailModelVersions($name: String!) {\n    model(name: $name) {\n      name\n      versions {\n        id\n        version\n        runId\n      }\n    }\n  }\n": types.RunDetailModelVersionsDocument,
    "\n  query NewRunBackbone($id: ID!) {\n    backbone(id: $id) {\n      id\n      name\n      inputShape\n      ...LayerStripBackbone\n    }\n  }\n": types.NewRunBackboneDocument,
    "\n  mutation NewRunStart($input: StartRunInput!) {\n    startRun(input: $input) {\n      id\n    }\n  }\n": types.NewRunStartDocument,
    "\n  query NewRunChoices {\n    backbones {\n      id\n      name\n      family\n      inputShape\n    }\n    datasets {\n      id\n      name\n      classes\n      counts {\n        total\n      }\n    }\n  }\n": types.NewRunChoicesDocument,
    "\n  query RunsPage($first: Int!, $after: String, $filter: RunFilter, $orderBy: RunOrder) {\n    runs(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {\n      endCursor\n      hasNextPage\n      items {\n        ...RunsTableRow\n      }\n    }\n  }\n": types.RunsPageDocument,
    "\n  query RunsPageFilterOptions {\n    backbones {\n      id\n      name\n    }\n    datasets {\n      id\n      name\n    }\n  }\n": types.RunsPageFilterOptionsDocument,
    "\n  fragment BackboneLayerRow on BackboneLayer {\n    name\n    className\n    params\n    outputShape\n  }\n": types.BackboneLayerRowFragmentDoc,
    "\n  fragment LayerStripBackbone on Backbone {\n    lastFeatureLayer\n    blockEnds\n    layers {\n      ...BackboneLayerRow\n    }\n  }\n": types.LayerStripBackboneFragmentDoc,
    "\n  query RunExists($id: ID!) {\n    run(id: $id) {\n      id\n    }\n  }\n": types.RunExistsDocument,
    "\n  query ModelExists($name: String!) {\n    model(name: $name) {\n      id\n    }\n  }\n": types.ModelExistsDocument,
    "\n  query VersionExists($versionId: ID!) {\n    lineage(versionId: $versionId) {\n      version {\n        id\n      }\n    }\n  }\n": types.VersionExistsDocument,
    "\n  subscription RunDetailProgress($runId: ID!) {\n    runProgress(runId: $runId) {\n      runId\n      status\n      stage\n      phase\n      epoch\n      epochs\n      batch\n      batches\n      loss\n      accuracy\n      valLoss\n      valAccuracy\n      imagesPerSec\n      etaSeconds\n    }\n  }\n": types.RunDetailProgressDocument,
    "\n  query SignInMe {\n    me {\n      name\n      role\n    }\n  }\n": types.SignInMeDocument,
    "\n  query LayoutMe {\n    me {\n      name\n      role\n    }\n  }\n": types.LayoutMeDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BackbonesPage {\n    backbones {\n      id\n      name\n      family\n      pretrained\n      inputShape\n      lastFeatureLayer\n      sourceUri\n      weightsSha256\n      topologySha256\n      preprocessing {\n        scale\n        offset\n        channels\n      }\n      layers {\n        params\n      }\n    }\n  }\n"): (typeof documents)["\n  query BackbonesPage {\n    backbones {\n      id\n      name\n      family\n      pretrained\n      inputShape\n      lastFeatureLayer\n      sourceUri\n      weightsSha256\n      topologySha256\n      preprocessing {\n        scale\n        offset\n        channels\n      }\n      layers {\n        params\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BackbonesPageLayers($id: ID!) {\n    backbone(id: $id) {\n      id\n      name\n      blockEnds\n      lastFeatureLayer\n      layers {\n        ...BackboneLayerRow\n      }\n    }\n  }\n"): (typeof documents)["\n  query BackbonesPageLayers($id: ID!) {\n    backbone(id: $id) {\n      id\n      name\n      blockEnds\n      lastFeatureLayer\n      layers {\n        ...BackboneLayerRow\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ComparePage($ids: [ID!]!) {\n    compareRuns(ids: $ids) {\n      bestRunId\n      parameters {\n        name\n        differs\n        values\n      }\n      layers {\n        name\n        states\n        differs\n      }\n      series {\n        runId\n        epochs {\n          phase\n          epoch\n          loss\n          accuracy\n          valLoss\n          valAccuracy\n        }\n      }\n      runs {\n        id\n        status\n        mode\n        tags\n        backbone {\n          id\n          name\n        }\n        dataset {\n          id\n          name\n        }\n        bestValAccuracy\n        testAccuracy\n        startedAt\n        finishedAt\n        surgery\n      }\n    }\n  }\n"): (typeof documents)["\n  query ComparePage($ids: [ID!]!) {\n    compareRuns(ids: $ids) {\n      bestRunId\n      parameters {\n        name\n        differs\n        values\n      }\n      layers {\n        name\n        states\n        differs\n      }\n      series {\n        runId\n        epochs {\n          phase\n          epoch\n          loss\n          accuracy\n          valLoss\n          valAccuracy\n        }\n      }\n      runs {\n        id\n        status\n        mode\n        tags\n        backbone {\n          id\n          name\n        }\n        dataset {\n          id\n          name\n        }\n        bestValAccuracy\n        testAccuracy\n        startedAt\n        finishedAt\n        surgery\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DatasetsPageCreate($input: CreateDatasetInput!) {\n    createDataset(input: $input) {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  mutation DatasetsPageCreate($input: CreateDatasetInput!) {\n    createDataset(input: $input) {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DatasetsPage {\n    datasets {\n      id\n      name\n      classes\n      contentHash\n      createdAt\n      source\n      counts {\n        total\n      }\n    }\n  }\n"): (typeof documents)["\n  query DatasetsPage {\n    datasets {\n      id\n      name\n      classes\n      contentHash\n      createdAt\n      source\n      counts {\n        total\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DatasetsPageCounts($id: ID!) {\n    dataset(id: $id) {\n      id\n      counts {\n        perClass {\n          className\n          count\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query DatasetsPageCounts($id: ID!) {\n    dataset(id: $id) {\n      id\n      counts {\n        perClass {\n          className\n          count\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LineagePage($versionId: ID!) {\n    lineage(versionId: $versionId) {\n      backbone\n      dataset\n      run\n      record\n      model {\n        id\n        name\n      }\n      version {\n        id\n        version\n        aliases\n        archived\n        createdAt\n        runId\n      }\n      parent {\n        id\n        version\n        modelId\n        runId\n      }\n      children {\n        id\n        version\n        modelId\n        runId\n      }\n    }\n    models {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  query LineagePage($versionId: ID!) {\n    lineage(versionId: $versionId) {\n      backbone\n      dataset\n      run\n      record\n      model {\n        id\n        name\n      }\n      version {\n        id\n        version\n        aliases\n        archived\n        createdAt\n        runId\n      }\n      parent {\n        id\n        version\n        modelId\n        runId\n      }\n      children {\n        id\n        version\n        modelId\n        runId\n      }\n    }\n    models {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PromoteVersion($versionId: ID!, $alias: String!, $reason: String!) {\n    promoteModelVersion(versionId: $versionId, alias: $alias, reason: $reason) {\n      id\n      aliases\n    }\n  }\n"): (typeof documents)["\n  mutation PromoteVersion($versionId: ID!, $alias: String!, $reason: String!) {\n    promoteModelVersion(versionId: $versionId, alias: $alias, reason: $reason) {\n      id\n      aliases\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ArchiveVersion($versionId: ID!, $reason: String) {\n    archiveModelVersion(versionId: $versionId, reason: $reason) {\n      id\n      archived\n    }\n  }\n"): (typeof documents)["\n  mutation ArchiveVersion($versionId: ID!, $reason: String) {\n    archiveModelVersion(versionId: $versionId, reason: $reason) {\n      id\n      archived\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PromoteDialogRuns($candidate: ID!, $holder: ID!, $hasHolder: Boolean!) {\n    candidate: run(id: $candidate) {\n      ...PromoteDialogRun\n    }\n    holder: run(id: $holder) @include(if: $hasHolder) {\n      ...PromoteDialogRun\n    }\n  }\n  fragment PromoteDialogRun on Run {\n    id\n    status\n    mode\n    testAccuracy\n    bestValAccuracy\n    frozenParams\n    trainableParams\n    headLr\n    fineTuneLr\n    surgery\n    backbone {\n      id\n      name\n    }\n    dataset {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  query PromoteDialogRuns($candidate: ID!, $holder: ID!, $hasHolder: Boolean!) {\n    candidate: run(id: $candidate) {\n      ...PromoteDialogRun\n    }\n    holder: run(id: $holder) @include(if: $hasHolder) {\n      ...PromoteDialogRun\n    }\n  }\n  fragment PromoteDialogRun on Run {\n    id\n    status\n    mode\n    testAccuracy\n    bestValAccuracy\n    frozenParams\n    trainableParams\n    headLr\n    fineTuneLr\n    surgery\n    backbone {\n      id\n      name\n    }\n    dataset {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ModelPage($name: String!) {\n    model(name: $name) {\n      id\n      name\n      description\n      createdAt\n      aliases {\n        alias\n        versionId\n        updatedAt\n      }\n      versions {\n        id\n        version\n        createdAt\n        archived\n        aliases\n        runId\n      }\n      aliasHistory {\n        actor\n        alias\n        at\n        fromVersion\n        toVersion\n        reason\n      }\n    }\n  }\n"): (typeof documents)["\n  query ModelPage($name: String!) {\n    model(name: $name) {\n      id\n      name\n      description\n      createdAt\n      aliases {\n        alias\n        versionId\n        updatedAt\n      }\n      versions {\n        id\n        version\n        createdAt\n        archived\n        aliases\n        runId\n      }\n      aliasHistory {\n        actor\n        alias\n        at\n        fromVersion\n        toVersion\n        reason\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ModelPageRun($id: ID!) {\n    run(id: $id) {\n      id\n      status\n      mode\n      testAccuracy\n      bestValAccuracy\n      frozenParams\n      trainableParams\n      headLr\n      fineTuneLr\n      backbone {\n        id\n        name\n      }\n      dataset {\n        id\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query ModelPageRun($id: ID!) {\n    run(id: $id) {\n      id\n      status\n      mode\n      testAccuracy\n      bestValAccuracy\n      frozenParams\n      trainableParams\n      headLr\n      fineTuneLr\n      backbone {\n        id\n        name\n      }\n      dataset {\n        id\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ModelsPage {\n    models {\n      id\n      name\n      description\n      createdAt\n    }\n  }\n"): (typeof documents)["\n  query ModelsPage {\n    models {\n      id\n      name\n      description\n      createdAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ModelsPageSummary($name: String!) {\n    model(name: $name) {\n      id\n      aliases {\n        alias\n        versionId\n        updatedAt\n      }\n      versions {\n        id\n        version\n        createdAt\n        archived\n      }\n    }\n  }\n"): (typeof documents)["\n  query ModelsPageSummary($name: String!) {\n    model(name: $name) {\n      id\n      aliases {\n        alias\n        versionId\n        updatedAt\n      }\n      versions {\n        id\n        version\n        createdAt\n        archived\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RunsTableRow on Run {\n    id\n    status\n    mode\n    backbone {\n      id\n      name\n    }\n    dataset {\n      id\n      name\n    }\n    frozenParams\n    trainableParams\n    headLr\n    fineTuneLr\n    bestValAccuracy\n    testAccuracy\n    createdAt\n    startedAt\n    finishedAt\n    startedBy\n    tags\n  }\n"): (typeof documents)["\n  fragment RunsTableRow on Run {\n    id\n    status\n    mode\n    backbone {\n      id\n      name\n    }\n    dataset {\n      id\n      name\n    }\n    frozenParams\n    trainableParams\n    headLr\n    fineTuneLr\n    bestValAccuracy\n    testAccuracy\n    createdAt\n    startedAt\n    finishedAt\n    startedBy\n    tags\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunsTableLive {\n    running: runs(first: 100, filter: { status: running }) {\n      items {\n        id\n        status\n        startedAt\n      }\n    }\n    queued: runs(first: 500, filter: { status: queued }) {\n      hasNextPage\n      items {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  query RunsTableLive {\n    running: runs(first: 100, filter: { status: running }) {\n      items {\n        id\n        status\n        startedAt\n      }\n    }\n    queued: runs(first: 500, filter: { status: queued }) {\n      hasNextPage\n      items {\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RunDetailCreateModelVersion($modelName: String!, $runId: ID!) {\n    createModelVersion(modelName: $modelName, runId: $runId) {\n      id\n      version\n    }\n  }\n"): (typeof documents)["\n  mutation RunDetailCreateModelVersion($modelName: String!, $runId: ID!) {\n    createModelVersion(modelName: $modelName, runId: $runId) {\n      id\n      version\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RunDetailEpoch on RunEpoch {\n    phase\n    epoch\n    loss\n    accuracy\n    valLoss\n    valAccuracy\n    seconds\n  }\n"): (typeof documents)["\n  fragment RunDetailEpoch on RunEpoch {\n    phase\n    epoch\n    loss\n    accuracy\n    valLoss\n    valAccuracy\n    seconds\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunDetailLive($id: ID!) {\n    run(id: $id) {\n      id\n      status\n      epochs {\n        ...RunDetailEpoch\n      }\n    }\n  }\n"): (typeof documents)["\n  query RunDetailLive($id: ID!) {\n    run(id: $id) {\n      id\n      status\n      epochs {\n        ...RunDetailEpoch\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunDetail($id: ID!) {\n    run(id: $id) {\n      id\n      status\n      attempt\n      mode\n      backbone {\n        id\n        name\n        inputShape\n        ...LayerStripBackbone\n      }\n      dataset {\n        id\n        name\n        classes\n      }\n      frozenParams\n      trainableParams\n      headLr\n      fineTuneLr\n      bestValAccuracy\n      testAccuracy\n      createdAt\n      startedAt\n      finishedAt\n      startedBy\n      tags\n      epochs {\n        ...RunDetailEpoch\n      }\n      surgery\n      train\n      evaluation\n      lineage\n      artifacts {\n        key\n        name\n        kind\n        bytes\n        sha256\n        url\n      }\n      log\n      error\n    }\n  }\n"): (typeof documents)["\n  query RunDetail($id: ID!) {\n    run(id: $id) {\n      id\n      status\n      attempt\n      mode\n      backbone {\n        id\n        name\n        inputShape\n        ...LayerStripBackbone\n      }\n      dataset {\n        id\n        name\n        classes\n      }\n      frozenParams\n      trainableParams\n      headLr\n      fineTuneLr\n      bestValAccuracy\n      testAccuracy\n      createdAt\n      startedAt\n      finishedAt\n      startedBy\n      tags\n      epochs {\n        ...RunDetailEpoch\n      }\n      surgery\n      train\n      evaluation\n      lineage\n      artifacts {\n        key\n        name\n        kind\n        bytes\n        sha256\n        url\n      }\n      log\n      error\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunDetailModelNames {\n    models {\n      name\n    }\n  }\n"): (typeof documents)["\n  query RunDetailModelNames {\n    models {\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunDetailModelVersions($name: String!) {\n    model(name: $name) {\n      name\n      versions {\n        id\n        version\n        runId\n      }\n    }\n  }\n"): (typeof documents)["\n  query RunDetailModelVersions($name: String!) {\n    model(name: $name) {\n      name\n      versions {\n        id\n        version\n        runId\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NewRunBackbone($id: ID!) {\n    backbone(id: $id) {\n      id\n      name\n      inputShape\n      ...LayerStripBackbone\n    }\n  }\n"): (typeof documents)["\n  query NewRunBackbone($id: ID!) {\n    backbone(id: $id) {\n      id\n      name\n      inputShape\n      ...LayerStripBackbone\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation NewRunStart($input: StartRunInput!) {\n    startRun(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation NewRunStart($input: StartRunInput!) {\n    startRun(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NewRunChoices {\n    backbones {\n      id\n      name\n      family\n      inputShape\n    }\n    datasets {\n      id\n      name\n      classes\n      counts {\n        total\n      }\n    }\n  }\n"): (typeof documents)["\n  query NewRunChoices {\n    backbones {\n      id\n      name\n      family\n      inputShape\n    }\n    datasets {\n      id\n      name\n      classes\n      counts {\n        total\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunsPage($first: Int!, $after: String, $filter: RunFilter, $orderBy: RunOrder) {\n    runs(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {\n      endCursor\n      hasNextPage\n      items {\n        ...RunsTableRow\n      }\n    }\n  }\n"): (typeof documents)["\n  query RunsPage($first: Int!, $after: String, $filter: RunFilter, $orderBy: RunOrder) {\n    runs(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {\n      endCursor\n      hasNextPage\n      items {\n        ...RunsTableRow\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunsPageFilterOptions {\n    backbones {\n      id\n      name\n    }\n    datasets {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  query RunsPageFilterOptions {\n    backbones {\n      id\n      name\n    }\n    datasets {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment BackboneLayerRow on BackboneLayer {\n    name\n    className\n    params\n    outputShape\n  }\n"): (typeof documents)["\n  fragment BackboneLayerRow on BackboneLayer {\n    name\n    className\n    params\n    outputShape\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment LayerStripBackbone on Backbone {\n    lastFeatureLayer\n    blockEnds\n    layers {\n      ...BackboneLayerRow\n    }\n  }\n"): (typeof documents)["\n  fragment LayerStripBackbone on Backbone {\n    lastFeatureLayer\n    blockEnds\n    layers {\n      ...BackboneLayerRow\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunExists($id: ID!) {\n    run(id: $id) {\n      id\n    }\n  }\n"): (typeof documents)["\n  query RunExists($id: ID!) {\n    run(id: $id) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ModelExists($name: String!) {\n    model(name: $name) {\n      id\n    }\n  }\n"): (typeof documents)["\n  query ModelExists($name: String!) {\n    model(name: $name) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query VersionExists($versionId: ID!) {\n    lineage(versionId: $versionId) {\n      version {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  query VersionExists($versionId: ID!) {\n    lineage(versionId: $versionId) {\n      version {\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RunDetailProgress($runId: ID!) {\n    runProgress(runId: $runId) {\n      runId\n      status\n      stage\n      phase\n      epoch\n      epochs\n      batch\n      batches\n      loss\n      accuracy\n      valLoss\n      valAccuracy\n      imagesPerSec\n      etaSeconds\n    }\n  }\n"): (typeof documents)["\n  subscription RunDetailProgress($runId: ID!) {\n    runProgress(runId: $runId) {\n      runId\n      status\n      stage\n      phase\n      epoch\n      epochs\n      batch\n      batches\n      loss\n      accuracy\n      valLoss\n      valAccuracy\n      imagesPerSec\n      etaSeconds\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SignInMe {\n    me {\n      name\n      role\n    }\n  }\n"): (typeof documents)["\n  query SignInMe {\n    me {\n      name\n      role\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LayoutMe {\n    me {\n      name\n      role\n    }\n  }\n"): (typeof documents)["\n  query LayoutMe {\n    me {\n      name\n      role\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;