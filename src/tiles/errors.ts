/**
 * Errors of tile jobs. Each names the job folder and what to do; none is raised after a finished tile was
 * touched: a job that fails keeps every tile it had (see docs/tiles.md, "Failures").
 */
import { NtkLabError } from '../errors';

/** The folder is not a tile job this ntk-lab can use: no or malformed manifest, another schema version, another ntk-lab version. */
export class JobFormatError extends NtkLabError {}

/** A file of the job (model, inputs) differs from what the manifest recorded when the job was planned (sha256 or size). */
export class JobIntegrityError extends NtkLabError {}

/** A tile index outside 0..tiles-1, or no index where a worker needs one. */
export class TileIndexError extends NtkLabError {}

/** Writing a tile (or its record) failed: full disk, read-only or vanished folder. `code` is the system's (ENOSPC, EROFS, ...). */
export class TileWriteError extends NtkLabError {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** Assembling needs every tile, and some are missing or fail their checksum. */
export class JobIncompleteError extends NtkLabError {}
