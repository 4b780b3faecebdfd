export { ntkVp } from './ntk-vp';
export type { NtkVpOptions } from './ntk-vp';
