/** Errors of the notebook kernel API, as named ntk-lab errors. */
import { NtkLabError } from '../errors';

/** Comms need the ntk-lab kernel (plain tslab, or Node outside Jupyter, has none): `npx ntk-lab install`. */
export class CommUnavailableError extends NtkLabError {}

/** A message was sent on a comm that either side already closed. */
export class CommClosedError extends NtkLabError {}
