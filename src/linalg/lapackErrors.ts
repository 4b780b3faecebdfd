/**
 * LAPACK's info, turned into LinalgError. A negative info names the argument LAPACK rejected (a bug in
 * this binding, since shapes are checked before the call, so the message says so); a positive info is a
 * numerical failure that the caller describes (not positive definite, no convergence, ...).
 */
import { LinalgError } from '../errors';

/** Argument names of each routine, in LAPACK's order (info = -i refers to ARGS[i - 1]). */
const ARGS: Record<string, readonly string[]> = {
  dsyevd: ['JOBZ', 'UPLO', 'N', 'A', 'LDA', 'W', 'WORK', 'LWORK', 'IWORK', 'LIWORK', 'INFO'],
  dsyevr: ['JOBZ', 'RANGE', 'UPLO', 'N', 'A', 'LDA', 'VL', 'VU', 'IL', 'IU', 'ABSTOL', 'M', 'W', 'Z', 'LDZ', 'ISUPPZ', 'WORK', 'LWORK', 'IWORK', 'LIWORK', 'INFO'],
  dpotrf: ['UPLO', 'N', 'A', 'LDA', 'INFO'],
  dgesdd: ['JOBZ', 'M', 'N', 'A', 'LDA', 'S', 'U', 'LDU', 'VT', 'LDVT', 'WORK', 'LWORK', 'IWORK', 'INFO'],
};

/** Throws LinalgError when info != 0; `positive` explains info > 0 for this routine. */
export function checkInfo(fn: string, routine: string, info: number, positive: (info: number) => string): void {
  if (info === 0) return;
  if (info < 0) {
    const name = ARGS[routine]?.[-info - 1] ?? `#${-info}`;
    throw new LinalgError(`${fn}: LAPACK ${routine} rejected argument ${-info} (${name}) (info = ${info}); this is a bug in ntk-lab's binding, please report it`, routine, info);
  }
  throw new LinalgError(`${fn}: LAPACK ${routine} failed: ${positive(info)} (info = ${info})`, routine, info);
}
