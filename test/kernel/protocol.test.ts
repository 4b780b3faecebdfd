/**
 * The kernel against a real Jupyter client: test/kernel/python/driver.py (jupyter_client from .venv)
 * plays the front end against the 'ntk-lab' kernelspec installed into a temporary prefix, and reports
 * what it saw; these tests assert on that report. The whole session (one kernel) takes ~30 s: the
 * streaming cell runs 10 s, the interrupted computation would run ~30 s but is interrupted 1 s in.
 */
import { after, before, test, TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jupyterEnv, notebookFolder, python, REPO, run, SOURCE, stopPid, tempDir } from './helpers';

type Json = Record<string, any>; // the driver's JSON report, as parsed
let report: Json = {};
let kernelLog = '';
let driverOutput = '';
const tmp = tempDir();

before(async () => {
  const prefix = join(tmp.dir, 'prefix');
  const install = await run(process.execPath, [join(REPO, 'bin', 'ntk-lab.js'), 'install', '--prefix', prefix], { timeoutMs: 60_000 });
  assert.equal(install.code, 0, install.stdout + install.stderr);
  const out = join(tmp.dir, 'report.json');
  const log = join(tmp.dir, 'kernel.log');
  const pid = join(tmp.dir, 'kernel.pid');
  const args = [join(SOURCE, 'python', 'driver.py'), '--workdir', notebookFolder(tmp.dir), '--log', log, '--pid', pid, '--out', out];
  try {
    const r = await run(python(), args, { env: jupyterEnv(prefix, tmp.dir), timeoutMs: 180_000 });
    driverOutput = `exit ${r.code} ${r.signal ?? ''} after ${r.ms} ms\n${r.stdout}${r.stderr}`;
  } finally {
    // The driver shuts its kernel down; should it have died first, the kernel must not outlive the test.
    if (existsSync(pid)) stopPid(Number(readFileSync(pid, 'utf8')));
  }
  if (existsSync(out)) report = JSON.parse(readFileSync(out, 'utf8'));
  if (existsSync(log)) kernelLog = readFileSync(log, 'utf8');
});

after(() => tmp.cleanup());

/** The scenario's part of the report, failing with the driver's traceback if it broke. */
function scenario(t: TestContext, name: string): void {
  assert.ok(report.timings, `the driver wrote no report:\n${driverOutput}`);
  assert.equal(report.errors[name], undefined, `scenario ${name} failed in the driver:\n${report.errors[name]}\nkernel log:\n${kernelLog}`);
  t.diagnostic(`${name}: ${report.timings[name]} s (kernel start ${report.timings.start_s} s)`);
}

test('kernel_info, execute and an empty comm_info from the installed kernelspec', (t) => {
  scenario(t, 'basics');
  assert.deepEqual(report.kernel_info, { msg_type: 'kernel_info_reply', implementation: 'ntk-lab', language: 'typescript', protocol_version: '5.3' });
  assert.equal(report.execute.status, 'ok');
  assert.ok(Number.isInteger(report.execute.execution_count) && report.execute.execution_count > 0);
  assert.equal(report.execute.stdout, '', 'the value is an execute_result, not printed');
  assert.equal(report.execute.result, '2');
  assert.deepEqual(report.comm_info_empty, { msg_type: 'comm_info_reply', comms: {} });
});

test('front-end comm_open with buffers; comm_msg both ways with 1 B, 1 MiB and 64 MiB buffers arriving byte-identical; comm_info; comm_close', (t) => {
  scenario(t, 'frontend_comm');
  const o = report.frontend_open;
  assert.deepEqual(o.data, { hello: 'kernel' });
  assert.deepEqual(o.kernel_sha256, o.sent_sha256);
  assert.deepEqual(o.returned_identical, [true, true]);
  const b = report.buffers;
  assert.deepEqual(b.sizes, [1, 1 << 20, 64 << 20]);
  assert.deepEqual(b.kernel_lengths, b.sizes, 'the kernel received each buffer whole');
  assert.deepEqual(b.kernel_sha256, b.sent_sha256, 'the kernel received the bytes sent');
  assert.deepEqual(b.returned_sizes, b.sizes);
  assert.deepEqual(b.returned_identical, [true, true, true], 'the front end received the bytes back unchanged');
  t.diagnostic(`1 B + 1 MiB + 64 MiB to the kernel and back: ${b.round_trip_s} s`);
  const id = report.comm_id;
  assert.deepEqual(report.comm_info_all, { msg_type: 'comm_info_reply', comms: { [id]: { target_name: 'echo' } } });
  assert.deepEqual(report.comm_info_echo.comms, { [id]: { target_name: 'echo' } });
  assert.deepEqual(report.comm_info_other.comms, {});
  assert.equal(report.frontend_close.kernel_saw, '{"bye":1}');
  assert.deepEqual(report.frontend_close.comms_after, {});
});

test('a cell opens a comm (data, metadata, buffers), answers a front-end message, and closes it', (t) => {
  scenario(t, 'cell_comm');
  assert.deepEqual(report.cell_open, { data: { n: 1 }, metadata: { m: 2 }, buffers: [[1, 2, 3]], parent_is_cell: true });
  assert.deepEqual(report.cell_msg, { got: { ping: true }, sha_ok: true, identical: true });
  assert.deepEqual(report.cell_close, { data: { done: true }, handler_ran: 'true' });
});

test('widget protocol 2.1.0: open with state and buffer paths, display, update + echo_update, request_state, custom, control-comm update_states', (t) => {
  scenario(t, 'widget');
  const o = report.widget_open;
  const f32 = Buffer.from(new Float32Array([1, 2, 3]).buffer).toString('hex');
  assert.equal(o.version, '2.1.0');
  assert.deepEqual(o.model, ['TestModel', 'ntk-lab-test', '^0.1.0', 'TestView']);
  assert.equal(o.count, 1);
  assert.deepEqual(o.nested, { parts: [null, 'x'] });
  assert.equal(o.has_data_key, false, 'a buffer under a key is removed from the JSON state');
  assert.deepEqual(o.buffer_paths, [['data'], ['nested', 'parts', 0]]);
  assert.deepEqual(o.buffers, [f32, '07']);
  assert.deepEqual(o.view, { version_major: 2, version_minor: 0, model_id: o.model_id });
  assert.equal(o.text_plain, true);
  assert.deepEqual(report.widget_echo, { state: { count: 5 }, buffer_paths: [['blob']], buffers: ['78797a'] });
  assert.equal(report.widget_kernel_state, '[5,[120,121,122],["count,blob"]]');
  assert.deepEqual(report.widget_request_state, {
    count: 5,
    buffer_paths: [['data'], ['nested', 'parts', 0], ['blob']],
    buffers: { '["data"]': f32, '["nested", "parts", 0]': '07', '["blob"]': '78797a' },
  });
  assert.deepEqual(report.widget_custom, { content: { reply: { ping: 1 }, n: 1 }, buffers: ['0001'] });
  const c = report.widget_control;
  assert.deepEqual(c.models, [o.model_id]);
  assert.deepEqual(c.entry, { model_name: 'TestModel', model_module: 'ntk-lab-test', model_module_version: '^0.1.0' });
  assert.equal(c.count, 5);
  assert.deepEqual(c.buffer_paths, [
    [o.model_id, 'state', 'data'],
    [o.model_id, 'state', 'nested', 'parts', 0],
    [o.model_id, 'state', 'blob'],
  ]);
  assert.deepEqual(Object.values(c.buffers), [f32, '07', '78797a']);
  assert.deepEqual(report.widget_control_open_form.models, [o.model_id]);
});

test('streaming: 50 Arrow batches over 10 s arrive in order while the cell runs, before its execute_reply', (t) => {
  scenario(t, 'streaming');
  const s = report.streaming;
  assert.deepEqual(s.indices, Array.from({ length: 50 }, (_, i) => i));
  assert.equal(s.all_before_reply, true);
  assert.equal(s.rows, 50);
  assert.deepEqual(s.row_start, Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(s.first_values, [1, 1.25, 1.5, 1.75]);
  const arrivals: number[] = s.arrival_s;
  for (let i = 1; i < arrivals.length; i++) assert.ok(arrivals[i] >= arrivals[i - 1], 'arrival order');
  // Streamed, not flushed at the end: the first batch came long before the reply (the cell sends one per 200 ms).
  assert.ok(s.reply_s - arrivals[0] > 5, `first batch ${arrivals[0]} s, reply ${s.reply_s} s after the request`);
  t.diagnostic(`first batch ${s.first_after_cell_start_s} s after the cell started (its comm_open), ${arrivals[0]} s after the execute_request (tslab compiles first)`);
  t.diagnostic(`arrivals (s after the execute_request): ${arrivals.join(' ')}; execute_reply ${s.reply_s}`);
});

test('interrupt: a long ntk-lab computation stops at the next tile, and the kernel answers the next execute within 2 s', (t) => {
  scenario(t, 'interrupt');
  const i = report.interrupt;
  assert.equal(i.reply_status, 'error');
  assert.equal(i.finished, false, 'the computation did not run to its end');
  assert.equal(i.tiles_after[1], i.tiles_after[2], `tiles stopped growing: ${i.tiles_after.join(', ')}`);
  assert.ok(i.reply_latency_s + i.next_execute_s < 2, `interrupt -> reply ${i.reply_latency_s} s, next execute ${i.next_execute_s} s`);
  t.diagnostic(`first tile ${i.first_tile_s} s, interrupt at ${i.interrupted_after_s} s; reply ${i.reply_latency_s} s after SIGINT; next execute answered in ${i.next_execute_s} s; tiles ${i.tiles_after.join(' -> ')}`);
});

test('a forged signature is dropped and logged, not executed; malformed messages and unknown comm ids do not hurt the kernel', (t) => {
  scenario(t, 'robustness');
  assert.deepEqual(report.robustness, { forged_executed: 'undefined', alive: '4', unknown_target_closed: 'to-nowhere', failing_handler_closed: 'throwing', no_reply_to_forged: true });
  assert.match(kernelLog, /dropped a message: invalid signature \(not executed\)/);
  assert.match(kernelLog, /malformed execute_request \S+: content is not JSON/);
  assert.match(kernelLog, /dropped a message: malformed: header without msg_type/);
  assert.match(kernelLog, /comm_msg for unknown comm no-such-comm: dropped/);
});

test('shutdown_request: reply, then the process exits', (t) => {
  assert.ok(report.shutdown, `the driver did not reach the shutdown:\n${driverOutput}`);
  assert.deepEqual(report.shutdown.reply, { status: 'ok', restart: false });
  assert.equal(report.shutdown.exited, true);
  t.diagnostic(`exited ${report.shutdown.exit_s} s after the request`);
});
