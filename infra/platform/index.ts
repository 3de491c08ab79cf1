export type { Platform, PlatformEndpoints } from './connect-platform.ts';
export { connectPlatform, preparePlatform } from './connect-platform.ts';
