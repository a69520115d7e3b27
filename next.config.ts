import type { NextConfig } from "next";

// Next.js config for the MaculaOS dashboard. Security headers are set by the custom server (server/), not here.
const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
