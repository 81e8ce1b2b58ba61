import type { NextConfig } from 'next';

/** Everything is served from this server: no CDN, no web fonts (the machines are offline). */
const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  typedRoutes: false,
  devIndicators: false,
  // graphql-ws' `ws` uses optional native add-ons that bundling breaks ("b.mask is not a function").
  serverExternalPackages: ['ws'],
};

export default config;
