/**
 * Conformance of the installed ntk-lab kernel, with ipykernel as the reference: test/kernel/python/conformance.py
 * (jupyter_client from .venv) plays the same scenarios against both kernels and reports what each did; these
 * tests assert on that report, comparing with ipykernel's answers wherever the two can agree. Besides: a fuzz of
 * 1000 malformed but validly signed messages, interrupt and shutdown during work, and the kernel ending when the
 * process that started it is killed. About 1 min (two kernel starts, one more each for the parent-death check).
 */
import { after, before, test, TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jupyterEnv, notebookFolder, python, REPO, run, SOURCE, stopPid, tempDir } from './helpers';

type Json = Record<string, any>; // the driver's JSON report, as parsed
let report: Json = { kernels: {}, parent_death: {}, errors: {} };
let driverOutput = '';
let ntkLog = '';
const tmp = tempDir();

before(async () => {
  const prefix = join(tmp.dir, 'prefix');
  const install = await run(process.execPath, [join(REPO, 'bin', 'ntk-lab.js'), 'install', '--prefix', prefix], { timeoutMs: 60_000 });
  assert.equal(install.code, 0, install.stdout + install.stderr);
  const out = join(tmp.dir, 'report.json');
  const args = [join(SOURCE, 'python', 'conformance.py'), '--workdir', notebookFolder(tmp.dir), '--tmp', tmp.dir, '--out', out];
  // The fuzz is seeded (16 unless NTK_LAB_FUZZ_SEED says otherwise): a failure can be replayed message for message.
  if (process.env.NTK_LAB_FUZZ_SEED) args.push('--seed', process.env.NTK_LAB_FUZZ_SEED);
  // A fresh IPython history for the reference kernel: its history replies are compared entry by entry.
  const env = { ...jupyterEnv(prefix, tmp.dir), IPYTHONDIR: join(tmp.dir, 'ipython') };
  try {
    const r = await run(python(), args, { env, timeoutMs: 240_000 });
    driverOutput = `exit ${r.code} ${r.signal ?? ''} after ${r.ms} ms\n${r.stdout}${r.stderr}`;
  } finally {
    // The driver shuts its kernels down; should it have died first, they must not outlive the test.
    for (const name of ['ntk-lab', 'python3']) {
      const pid = join(tmp.dir, `${name}.pid`);
      if (existsSync(pid)) stopPid(Number(readFileSync(pid, 'utf8')));
    }
  }
  if (existsSync(out)) report = JSON.parse(readFileSync(out, 'utf8'));
  const log = join(tmp.dir, 'ntk-lab.log');
  if (existsSync(log)) ntkLog = readFileSync(log, 'utf8');
});

after(() => tmp.cleanup());

/** What ntk-lab and ipykernel did in `scenario`, failing with the driver's traceback if it broke. */
function both(t: TestContext, scenario: string): { ntk: Json; ref: Json } {
  const ntk = kernel('ntk-lab', scenario);
  const ref = kernel('python3', scenario);
  t.diagnostic(`${scenario}: ntk-lab ${ntk.timings[scenario]} s, ipykernel ${ref.timings[scenario]} s`);
  return { ntk, ref };
}

function kernel(name: string, scenario: string): Json {
  const k = report.kernels[name];
  assert.ok(k, `no report for ${name}: ${report.errors?.[name] ?? ''}\n${driverOutput}`);
  assert.equal(k.errors[scenario], undefined, `${name}: scenario ${scenario} failed in the driver:\n${k.errors[scenario]}\nntk-lab log:\n${ntkLog.slice(-4000)}`);
  return k;
}

test('kernel_info_reply: the fields ipykernel sends, language_info included', (t) => {
  const { ntk, ref } = both(t, 'kernel_info');
  assert.equal(ntk.kernel_info.status, 'ok');
  assert.equal(ntk.kernel_info.implementation, 'ntk-lab');
  assert.equal(ntk.kernel_info.protocol_version, '5.3');
  // ipykernel 7 adds supported_features (protocol 5.5, kernel subshells), which a 5.3 kernel does not have.
  for (const key of ref.kernel_info.keys.filter((k: string) => k !== 'supported_features')) assert.ok(ntk.kernel_info.keys.includes(key), `kernel_info_reply lacks ${key}`);
  assert.deepEqual(ntk.kernel_info.language_info_keys, ref.kernel_info.language_info_keys);
});

test('execute: stdout and stderr streams, execute_input and execute_result with the execution_count, in ipykernel order', (t) => {
  const { ntk, ref } = both(t, 'execute');
  assert.deepEqual(ntk.execute, ref.execute);
  assert.equal(ntk.execute.result, '42');
  assert.deepEqual(ntk.execute.streams, [['stdout', 'out\n'], ['stderr', 'err\n']]);
  assert.deepEqual(ntk.execute.iopub, ['status:busy', 'execute_input', 'stream', 'stream', 'execute_result', 'status:idle']);
  // execution_count: +1 per stored cell; silent and store_history: false leave it; silent publishes nothing but status.
  assert.deepEqual(ntk.counting, ref.counting);
  assert.deepEqual(ntk.counting, { delta: 1, silent_count_delta: 0, unstored_count_delta: 0 });
  assert.deepEqual(ntk.silent_iopub, ref.silent_iopub);
});

test('a failing cell publishes error with ename, evalue and traceback; its execute_reply carries them', (t) => {
  const { ntk, ref } = both(t, 'error');
  const e = ntk.error;
  assert.deepEqual(e.iopub, ref.error.iopub);
  assert.deepEqual(e.iopub, ['status:busy', 'execute_input', 'error', 'status:idle']);
  assert.deepEqual(e.error_keys, ['ename', 'evalue', 'traceback']);
  assert.deepEqual([e.ename, e.evalue], [ref.error.ename, ref.error.evalue]);
  assert.equal(e.traceback_is_strings, true);
  assert.match(e.traceback_text, /TypeError: bad value\n\s+at /);
  assert.doesNotMatch(e.traceback_text, /node:vm|tslab[\\/]dist/, 'the frames of the machinery that ran the cell are cut');
  assert.equal(e.reply_status, 'error');
  assert.equal(e.reply_matches_iopub, true);
  assert.deepEqual(e.reply_keys, ref.error.reply_keys);
  assert.equal(e.stderr, '', 'the error is not printed a second time as stderr');
});

test('display_data from a cell; a rich execute_result from an object with _repr_html_', (t) => {
  const { ntk, ref } = both(t, 'display');
  assert.deepEqual(ntk.display, ref.display);
  assert.deepEqual(ntk.display.mimes, ['text/markdown', 'text/plain']);
  assert.deepEqual(ntk.rich, ref.rich);
  assert.equal(ntk.rich.html, '<b>rich</b>');
});

test('execute_result for values: ntk-lab Kernel summary, Jupyter.display symbol, _repr_mimebundle_, bytes, a failing repr', (t) => {
  const v = kernel('ntk-lab', 'ntk_values').ntk_values;
  t.diagnostic(`Kernel: ${v.kernel.data['text/plain']}`);
  assert.match(v.kernel.data['text/plain'], /^Kernel ntk 2 x 2 float32 \(symmetric, .* ms\)$/);
  assert.deepEqual(v.symbol.data, { 'text/html': '<i>d</i>', 'text/plain': 'deno style' });
  assert.equal(v.mimebundle.data['text/markdown'], '*m*');
  assert.deepEqual(v.mimebundle.metadata, { 'text/markdown': { isolated: true } });
  assert.match(v.mimebundle.data['text/plain'], /_repr_mimebundle_/, 'text/plain is util.inspect of the value when the bundle has none');
  assert.equal(v.bytes.data['image/png'], Buffer.from([137, 80, 78, 71]).toString('base64'));
  assert.deepEqual(Object.keys(v.failing.data), ['text/plain'], 'a repr method that throws is skipped');
  assert.match(v.failing.stderr, /_repr_html_\(\) failed: Error: no html/);
  assert.equal(v.failing.status, 'ok');
  assert.equal(v.string.data['text/plain'], "'its'", 'strings as util.inspect (and Node\'s REPL) shows them');
  assert.equal(v.undefined.data, null, 'undefined has no execute_result (as None in IPython)');
  const e = kernel('ntk-lab', 'ntk_values').ntk_errors;
  assert.equal(e.compile.ename, 'TypeScriptError');
  assert.match(e.compile.evalue, /not assignable to type 'number'/);
  assert.deepEqual([e.thrown_string.ename, e.thrown_string.evalue], ['Uncaught', "'str'"]);
  assert.equal(e.syntax.status, 'error');
  for (const x of Object.values(e) as Json[]) assert.equal(x.stderr, '');
});

test('is_complete: complete, incomplete (with an indent), invalid, as ipykernel answers for its language', (t) => {
  const { ntk, ref } = both(t, 'is_complete');
  const statuses = (r: Json) => Object.fromEntries(Object.entries(r.is_complete).map(([k, v]) => [k, (v as Json).status]));
  assert.deepEqual(statuses(ntk), statuses(ref));
  assert.deepEqual(statuses(ntk), { complete: 'complete', incomplete: 'incomplete', invalid: 'invalid' });
  assert.equal(typeof ntk.is_complete.incomplete.indent, 'string');
});

test('complete, inspect and comm_info answer as ipykernel does; cursors count code points', (t) => {
  const { ntk, ref } = both(t, 'complete_inspect');
  assert.deepEqual(ntk.complete, ref.complete);
  assert.deepEqual(ntk.inspect, ref.inspect);
  assert.deepEqual(ntk.comm_info, ref.comm_info);
  const v = kernel('ntk-lab', 'ntk_values');
  // "'😀'; emojiN": the emoji is one code point (two UTF-16 units), the word starts at 5 and ends at 11.
  assert.deepEqual(v.ntk_complete_code_points, { cursor_start: 5, cursor_end: 11, has_match: true });
});

test('history: tail, range and search (glob, unique, n) give the entries ipykernel gives', (t) => {
  const { ntk, ref } = both(t, 'history');
  const { range_to_end_output: mine, ...rest } = ntk.history;
  const { range_to_end_output: theirs, ...refRest } = ref.history;
  assert.deepEqual(rest, refRest);
  assert.equal(rest.search_unique.history.length, 1);
  assert.deepEqual(rest.range_from_0.history[0], [0, 0, ''], 'line 0 is empty, as in IPython');
  // With output: the text of each line's result. (IPython shows '100' for line 5: a later cell run with
  // store_history false overwrote its output; ntk-lab keeps a line's own.)
  const inputs = (h: Json[]) => h.map((e: Json) => [e[0], e[1], e[2][0]]);
  assert.deepEqual(inputs(mine.history), inputs(theirs.history));
  assert.deepEqual(mine.history.map((e: Json) => e[2][1]), ['6', '2', "'abc'", '7']);
  // tail with output: IPython reads outputs from its database, which keeps none by default (null).
  assert.deepEqual(inputs(ntk.history_tail_output.history), inputs(ref.history_tail_output.history));
  assert.deepEqual(ntk.history_tail_output.history.map((e: Json) => e[2][1]), ["'abc'", '7']);
});

test('stop_on_error: a failure aborts the requests queued behind it (error, aborted, aborted), as in ipykernel', (t) => {
  const { ntk, ref } = both(t, 'stop_on_error');
  assert.deepEqual(ntk.stop_on_error, ref.stop_on_error);
  const s = ntk.stop_on_error;
  assert.deepEqual(s.sync.statuses, ['error', 'aborted', 'aborted'], 'a synchronous failure: the requests waiting on the socket');
  assert.deepEqual(s.late.statuses, ['error', 'aborted', 'aborted'], 'a failure after an await: the requests read meanwhile');
  assert.deepEqual(s.sync.iopub[1], ['status:busy', 'status:idle']);
  assert.deepEqual(s.no_stop.statuses, ['error', 'ok', 'ok']);
  assert.equal(s.after.status, 'ok');
  assert.equal(s.after.count, s.no_stop.counts[2] + 1, 'aborted requests take no execution_count');
});

test('a replayed signed message is dropped: it runs once and is answered once', (t) => {
  const { ntk, ref } = both(t, 'replay');
  assert.deepEqual(ntk.replay, ref.replay);
  assert.deepEqual(ntk.replay, { replies: 1, runs: '1' });
  assert.match(ntkLog, /dropped a message: replayed signature, already accepted once \(not executed\): execute_request /);
});

test('an execute_request whose header nests 5000 deep is served, and so is the next (issue 16)', (t) => {
  const { ntk, ref } = both(t, 'deep_header');
  assert.deepEqual(ntk.deep_header, { reply_status: 'ok', next_status: 'ok', next_result: '42' });
  // ipykernel cannot decode it (Python's json recursion limit) and drops it unanswered; it keeps working too.
  assert.equal(ref.deep_header.next_status, 'ok');
});

test('bad requests get error replies naming the field', (t) => {
  const b = kernel('ntk-lab', 'ntk_values').ntk_bad_requests;
  t.diagnostic(JSON.stringify(b.cursor_outside));
  for (const name of ['cursor_outside', 'code_not_string', 'tail_without_n', 'execute_without_code']) {
    assert.equal(b[name].status, 'error', name);
    assert.equal(b[name].ename, 'BadRequest', name);
  }
  assert.match(b.code_not_string.evalue, /'code' is not a string/);
  assert.equal(typeof b.execute_without_code.execution_count, 'number');
  assert.equal(b.connect.status, 'ok');
  assert.ok(Number.isInteger(b.connect.shell_port) && Number.isInteger(b.connect.hb_port));
});

test('fuzz: 1000 malformed but validly signed messages; each request is answered once, with idle; then the kernel works', (t) => {
  const k = kernel('ntk-lab', 'fuzz');
  const f = k.fuzz;
  t.diagnostic(`seed ${f.seed}: ${f.sent} sent in ${f.send_s} s, ${f.answerable} to answer, all answered after ${f.all_replies_s} s; reply statuses ${JSON.stringify(f.reply_statuses)}`);
  t.diagnostic(`message types: ${JSON.stringify(f.types)}`);
  assert.equal(f.sent, 1000);
  assert.ok(f.answerable > 400, `${f.answerable} requests the kernel should answer`);
  assert.deepEqual(f.unanswered, [], 'requests without a reply');
  assert.deepEqual(f.answered_twice, []);
  assert.deepEqual(f.without_idle, [], 'requests without an idle status');
  assert.deepEqual(k.after_fuzz, { status: 'ok', stdout: 'still here\n', result: '42', is_complete: 'incomplete', history_last: "console.log('still here'); 40 + 2", kernel_info: 'ok' });
  assert.doesNotMatch(ntkLog, /Unhandled promise rejection|Uncaught exception|Maximum call stack/);
  assert.match(ntkLog, /content nests deeper than 256 levels/);
});

test('interrupt during a synchronous loop and during an await: error reply at once, the next cell runs', (t) => {
  const i = kernel('ntk-lab', 'interrupts').interrupts;
  t.diagnostic(JSON.stringify(i));
  for (const name of ['sync_loop', 'awaiting']) {
    assert.equal(i[name].status, 'error', name);
    assert.ok(i[name].reply_s < 2, `${name}: reply ${i[name].reply_s} s after SIGINT`);
    assert.equal(i[name].next, '3', name);
  }
  assert.match(i.sync_loop.evalue, /interrupted/i);
});

test('shutdown_request while a cell awaits: reply, then the process exits', (t) => {
  const s = kernel('ntk-lab', 'shutdown_during_work').shutdown_during_work;
  t.diagnostic(`exited ${s.exit_s} s after the request`);
  assert.deepEqual(s.reply, { status: 'ok', restart: false });
  assert.equal(s.exited, true);
  assert.ok(s.exit_s < 3);
});

test('the kernel exits when the process that started it is killed (SIGKILL), as ipykernel does', (t) => {
  const p = report.parent_death;
  assert.ok(p['ntk-lab'], `no parent-death result: ${report.errors?.['parent_death ntk-lab'] ?? driverOutput}`);
  t.diagnostic(`kernel gone ${p['ntk-lab'].exit_s} s after its parent (ipykernel: ${p.python3?.exit_s} s)`);
  assert.deepEqual({ ...p['ntk-lab'], exit_s: undefined }, { alive_before: true, exited: true, exit_s: undefined });
  assert.ok(p['ntk-lab'].exit_s < 3, 'the parent is polled every second');
  assert.equal(p.python3?.exited, true, 'the reference does the same');
});
