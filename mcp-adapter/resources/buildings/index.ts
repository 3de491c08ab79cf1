export type { ResourceContext } from './building-resource.ts';
export {
  BUILDING_URI_TEMPLATE,
  BUILDINGS_URI,
  registerBuildingResources,
  variable,
} from './building-resource.ts';
