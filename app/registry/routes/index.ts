/** Every endpoint of the registry API. */
import type { Route } from '../http-server';
import { adminRoutes } from './admin';
import { nodeRoutes } from './nodes';
import { publicRoutes } from './public';

/** The full route table. */
export const ROUTES: readonly Route[] = [...publicRoutes, ...nodeRoutes, ...adminRoutes];
