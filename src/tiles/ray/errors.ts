/** Errors of the Ray executor (src/tiles/ray-executor.ts). */
import { NtkLabError } from '../../errors';

/** No Python to run the Ray driver with, or that Python cannot import ray: the message says how to install it. */
export class RayUnavailableError extends NtkLabError {}
