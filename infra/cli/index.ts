export { main } from './main.ts';
export { runProjector } from './start-command.ts';
