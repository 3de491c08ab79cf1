export { BUILDING_URI_TEMPLATE, registerBuildingResource } from './building-resource.ts';
