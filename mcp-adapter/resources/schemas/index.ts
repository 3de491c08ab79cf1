export { registerSchemaResource, SCHEMA_URI_TEMPLATE } from './schema-resource.ts';
