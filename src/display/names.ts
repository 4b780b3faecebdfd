/**
 * The front-end module the kernel-side widgets name in their state, and the wire protocol they speak,
 * taken from the widgets package itself (widgets/src), so the two sides cannot drift apart.
 */
export { MODULE_NAME, MODULE_SEMVER, MODULE_VERSION } from '../../widgets/src/version';
export { asRequestMessage, DATA_STATUS_TRAIT, emptyDataStatus } from '../../widgets/src/protocol';
export type { BatchMessage, DataStatus, RequestMessage, StreamState, StreamStatusJson } from '../../widgets/src/protocol';
