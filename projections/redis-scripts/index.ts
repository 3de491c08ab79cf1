export type { LuaScript, ScriptBatch } from './script-batch.ts';
export { luaScript, runScript, scriptBatch } from './script-batch.ts';
