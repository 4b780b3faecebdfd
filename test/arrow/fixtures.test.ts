/** Acceptance 2, ntk-lab side: files written by pyarrow (committed, made by test/fixtures/arrow/make_fixtures.py) read back exactly. */
import { describe, it } from 'node:test';
import { FIXTURES } from './helpers';
import { checkPyarrowFixtures } from './pyarrow-fixtures';

describe('files written by pyarrow (committed fixtures)', () => {
  it('read back with exact values, types and metadata', async () => {
    await checkPyarrowFixtures(FIXTURES);
  });
});
