import { Query, Resolver } from 'type-graphql';

@Resolver()
export class HealthResolver {
  /** Answers as long as GraphQL is served; `/readyz` is the check of the dependencies. */
  @Query(() => String, { description: 'Always "ok": the GraphQL endpoint is up.' })
  health(): string {
    return 'ok';
  }
}
