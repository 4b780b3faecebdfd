/**
 * The front-end module the kernel-side widgets name in their state, and the wire protocol they speak,
 * taken from src/figures, the DOM-free module that the widgets front end (widgets/) compiles too, so the two sides
 * cannot drift apart.
 */
export { MODULE_NAME, MODULE_SEMVER, MODULE_VERSION } from '../figures/version';
export { asRequestMessage, DATA_STATUS_TRAIT, emptyDataStatus } from '../figures/protocol';
export type { BatchMessage, DataStatus, RequestMessage, StreamState, StreamStatusJson } from '../figures/protocol';
