/** Errors of the data readers. */
import { NtkLabError } from '../errors';

/**
 * A data file cannot be read as what it claims to be: bad magic, a malformed header, a truncated body, an
 * unsupported dtype or compression. The message names the file (or 'bytes'), what was expected and what was found.
 */
export class DataFormatError extends NtkLabError {}
