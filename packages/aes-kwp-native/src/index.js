// The ES module entry: the CommonJS loader's exports (see index.cjs).
export { status, wrap } from './index.cjs';
