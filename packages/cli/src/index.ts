export { main, fail, VERSION } from './main.js';
export type { Command } from './main.js';
export type { Io } from './io.js';
