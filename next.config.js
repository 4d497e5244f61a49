/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  turbopack: {},
  // Optional peer deps of wallet SDKs that the browser bundle never reaches.
  serverExternalPackages: ['pino-pretty', '@electric-sql/pglite'],
  typescript: { ignoreBuildErrors: false },
  poweredByHeader: false,
};

export default nextConfig;
