import { registerEnumType } from 'type-graphql';
import { ROLES, type Role } from '../auth/roles.js';

/** The roles as a GraphQL enum (`Role`): its values are the role names themselves. */
export const RoleEnum = Object.fromEntries(ROLES.map((r) => [r, r])) as { [R in Role]: R };

registerEnumType(RoleEnum, {
  name: 'Role',
  description: 'What an API key may do; each role may do everything the ones before it may.',
  valuesConfig: {
    viewer: { description: 'Reads everything: runs, models, lineage, artifacts.' },
    editor: {
      description:
        "A viewer's rights, and registers backbones and datasets, starts, cancels and tags runs, creates model versions and moves aliases other than production.",
    },
    maintainer: {
      description:
        "An editor's rights, and promotes to production, archives versions and manages API keys.",
    },
  },
});
