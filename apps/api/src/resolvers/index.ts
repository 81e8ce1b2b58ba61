// type-graphql's decorators need the Reflect metadata API before any resolver class is defined.
import 'reflect-metadata';
import type { BuildSchemaOptions } from 'type-graphql';
import { BackboneResolver } from './backbone.resolver.js';
import { DatasetResolver } from './dataset.resolver.js';
import { HealthResolver } from './health.resolver.js';
import { ModelResolver, ModelVersionResolver } from './model.resolver.js';
import { RunResolver } from './run.resolver.js';
import { ViewerResolver } from './viewer.resolver.js';

/** Every resolver class of the schema. */
export const resolvers: BuildSchemaOptions['resolvers'] = [
  HealthResolver,
  BackboneResolver,
  DatasetResolver,
  RunResolver,
  ModelResolver,
  ModelVersionResolver,
  ViewerResolver,
];
