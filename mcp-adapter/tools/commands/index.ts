export { getCommandStatus, getCommandStatusInput, getCommandStatusOutput } from './get-command-status.ts';
