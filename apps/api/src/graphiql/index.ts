export { GRAPHIQL_ASSETS_PATH, graphiqlRouter, type GraphiqlOptions } from './graphiqlPage.js';
