// Next.js config for the MaculaOS dashboard. Security headers are set by the custom server (server/), not here.
// Plain JavaScript on purpose: a next.config.ts makes every server start load Next's SWC compiler (23 MB RSS).

/** @type {import("next").NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  typedRoutes: false,
  // The prerendered pages are read from .next on disk rather than held in a 50 MB in-memory cache.
  cacheMaxMemorySize: 0,
};

export default nextConfig;
