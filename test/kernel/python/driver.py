"""Protocol scenarios against the installed 'ntk-lab' kernelspec, played by jupyter_client as a front end
would. Each scenario records what it observed (sizes, hashes, arrival times) in one JSON report; the
TypeScript test (test/kernel/protocol.test.ts) asserts on it. A scenario that fails records its error and
the others still run.

    python driver.py --workdir W --log kernel.log --pid kernel.pid --out report.json [--only a,b]
"""
import argparse
import hashlib
import json
import os
import time
import traceback

import pyarrow as pa

from kernel_session import KernelSession

API = "ntk-lab/notebook"
MiB = 1 << 20


def sha(b):
    return hashlib.sha256(bytes(b)).hexdigest()


def comm_msgs(s, comm_id, pred=lambda m: True, timeout=30, what="comm_msg"):
    return s.iopub("comm_msg", lambda m: m["content"]["comm_id"] == comm_id and pred(m), timeout=timeout, what=what)


def scenario_basics(s, r):
    msg_id = s.send("kernel_info_request", {})
    _, info = s.replies_to(msg_id)
    r["kernel_info"] = {"msg_type": info["header"]["msg_type"], "implementation": info["content"]["implementation"], "language": info["content"]["language_info"]["name"], "protocol_version": info["content"]["protocol_version"]}
    reply, out, _, _, _ = s.execute("1 + 1")
    r["execute"] = {"status": reply["content"]["status"], "execution_count": reply["content"]["execution_count"], "stdout": out, "result": s.result_text(reply["parent_header"]["msg_id"])}
    msg_id = s.send("comm_info_request", {})
    _, info = s.replies_to(msg_id)
    r["comm_info_empty"] = {"msg_type": info["header"]["msg_type"], "comms": info["content"]["comms"]}


ECHO_TARGET = f"""
import {{ registerTarget }} from '{API}';
import {{ createHash }} from 'crypto';
const digest = (bs: readonly Uint8Array[]) => bs.map((b) => createHash('sha256').update(b).digest('hex'));
registerTarget('echo', (comm, open) => {{
  comm.send({{ event: 'opened', data: open.data, sha256: digest(open.buffers) }}, {{}}, open.buffers);
  comm.onMsg((m) => comm.send({{ event: 'echo', data: m.data, sha256: digest(m.buffers), lengths: m.buffers.map((b) => b.byteLength) }}, {{}}, m.buffers));
  comm.onClose((m) => {{ (globalThis as any).echoClosed = m.data; }});
}});
"""


def scenario_frontend_comm(s, r):
    reply, _, err, _, _ = s.execute(ECHO_TARGET)
    assert reply["content"]["status"] == "ok", err
    comm_id = "front-end-comm-1"
    open_bufs = [b"ab", bytes(range(256))]
    s.send("comm_open", {"comm_id": comm_id, "target_name": "echo", "data": {"hello": "kernel"}}, buffers=open_bufs)
    _, m = comm_msgs(s, comm_id, lambda m: m["content"]["data"].get("event") == "opened", what="the echo of comm_open")
    r["frontend_open"] = {
        "data": m["content"]["data"]["data"],
        "kernel_sha256": m["content"]["data"]["sha256"],
        "sent_sha256": [sha(b) for b in open_bufs],
        "returned_identical": [bytes(a) == b for a, b in zip(m["buffers"], open_bufs)],
    }
    # Three buffers of 1 B, 1 MiB and 64 MiB, both ways.
    bufs = [os.urandom(1), os.urandom(MiB), os.urandom(64 * MiB)]
    t0 = time.monotonic()
    s.send("comm_msg", {"comm_id": comm_id, "data": {"n": 3}}, buffers=bufs)
    t, m = comm_msgs(s, comm_id, lambda m: m["content"]["data"].get("event") == "echo", timeout=60, what="the echo of 3 buffers")
    back = m["buffers"]
    r["buffers"] = {
        "sizes": [len(b) for b in bufs],
        "kernel_lengths": m["content"]["data"]["lengths"],
        "kernel_sha256": m["content"]["data"]["sha256"],
        "sent_sha256": [sha(b) for b in bufs],
        "returned_sizes": [len(bytes(b)) for b in back],
        "returned_identical": [bytes(a) == b for a, b in zip(back, bufs)],
        "round_trip_s": round(t - t0, 3),
    }
    for target, key in ((None, "comm_info_all"), ("echo", "comm_info_echo"), ("nope", "comm_info_other")):
        content = {} if target is None else {"target_name": target}
        _, info = s.replies_to(s.send("comm_info_request", content))
        r[key] = {"msg_type": info["header"]["msg_type"], "comms": info["content"]["comms"]}
    r["comm_id"] = comm_id
    s.send("comm_close", {"comm_id": comm_id, "data": {"bye": 1}})
    r["frontend_close"] = {"kernel_saw": s.value("JSON.stringify((globalThis as any).echoClosed)")}
    _, info = s.replies_to(s.send("comm_info_request", {}))
    r["frontend_close"]["comms_after"] = info["content"]["comms"]


CELL_COMM = f"""
import {{ openComm }} from '{API}';
import {{ createHash }} from 'crypto';
const cellComm = openComm('from-cell', {{ n: 1 }}, {{ m: 2 }}, [new Uint8Array([1, 2, 3])]);
cellComm.onMsg((m) => cellComm.send({{ got: m.data, sha256: m.buffers.map((b) => createHash('sha256').update(b).digest('hex')) }}, {{}}, m.buffers));
cellComm.onClose(() => {{ (globalThis as any).cellCommClosed = true; }});
"""


def scenario_cell_comm(s, r):
    reply, _, err, _, _ = s.execute(CELL_COMM)
    assert reply["content"]["status"] == "ok", err
    exec_id = reply["parent_header"]["msg_id"]
    _, o = s.iopub("comm_open", lambda m: m["content"]["target_name"] == "from-cell")
    comm_id = o["content"]["comm_id"]
    r["cell_open"] = {"data": o["content"]["data"], "metadata": o["metadata"], "buffers": [list(bytes(b)) for b in o["buffers"]], "parent_is_cell": o["parent_header"].get("msg_id") == exec_id}
    payload = os.urandom(4096)
    s.send("comm_msg", {"comm_id": comm_id, "data": {"ping": True}}, buffers=[payload])
    _, m = comm_msgs(s, comm_id, what="the cell comm's answer")
    r["cell_msg"] = {"got": m["content"]["data"]["got"], "sha_ok": m["content"]["data"]["sha256"] == [sha(payload)], "identical": bytes(m["buffers"][0]) == payload}
    reply, _, _, _, _ = s.execute("cellComm.close({ done: true })")
    _, c = s.iopub("comm_close", lambda m: m["content"]["comm_id"] == comm_id)
    r["cell_close"] = {"data": c["content"]["data"], "handler_ran": s.value("String((globalThis as any).cellCommClosed)")}


WIDGET = f"""
import {{ openWidget }} from '{API}';
const w = openWidget({{ modelName: 'TestModel', modelModule: 'ntk-lab-test', modelModuleVersion: '^0.1.0', viewName: 'TestView',
  state: {{ count: 1, data: new Float32Array([1, 2, 3]), nested: {{ parts: [new Uint8Array([7]), 'x'] }} }} }});
const changes: string[] = [];
w.onChange((p) => void changes.push(Object.keys(p).join(',')));
w.onCustom((content, bufs) => w.send({{ reply: content, n: bufs.length }}, bufs));
w.display();
"""


def scenario_widget(s, r):
    reply, _, err, _, _ = s.execute(WIDGET)
    assert reply["content"]["status"] == "ok", err
    exec_id = reply["parent_header"]["msg_id"]
    _, o = s.iopub("comm_open", lambda m: m["content"]["target_name"] == "jupyter.widget")
    wid = o["content"]["comm_id"]
    state = o["content"]["data"]["state"]
    _, d = s.iopub_of(exec_id, "display_data")
    r["widget_open"] = {
        "version": o["metadata"].get("version"),
        "model": [state["_model_name"], state["_model_module"], state["_model_module_version"], state["_view_name"]],
        "count": state["count"],
        "nested": state["nested"],
        "has_data_key": "data" in state,
        "buffer_paths": o["content"]["data"]["buffer_paths"],
        "buffers": [bytes(b).hex() for b in o["buffers"]],
        "view": d["content"]["data"].get("application/vnd.jupyter.widget-view+json"),
        "model_id": wid,
        "text_plain": "text/plain" in d["content"]["data"],
    }
    # update from the front end (with a buffer): the kernel applies it and echoes it.
    s.send("comm_msg", {"comm_id": wid, "data": {"method": "update", "state": {"count": 5}, "buffer_paths": [["blob"]]}}, buffers=[b"xyz"])
    _, e = comm_msgs(s, wid, lambda m: m["content"]["data"].get("method") == "echo_update", what="echo_update")
    r["widget_echo"] = {"state": e["content"]["data"]["state"], "buffer_paths": e["content"]["data"]["buffer_paths"], "buffers": [bytes(b).hex() for b in e["buffers"]]}
    r["widget_kernel_state"] = s.value("JSON.stringify([w.get('count'), Array.from(w.get('blob') as Uint8Array), changes])")
    # request_state: the full state, bytes as buffers.
    s.send("comm_msg", {"comm_id": wid, "data": {"method": "request_state"}})
    _, u = comm_msgs(s, wid, lambda m: m["content"]["data"].get("method") == "update", what="update after request_state")
    paths = u["content"]["data"]["buffer_paths"]
    r["widget_request_state"] = {"count": u["content"]["data"]["state"]["count"], "buffer_paths": paths, "buffers": {json.dumps(p): bytes(b).hex() for p, b in zip(paths, u["buffers"])}}
    # custom messages both ways.
    s.send("comm_msg", {"comm_id": wid, "data": {"method": "custom", "content": {"ping": 1}}}, buffers=[b"\x00\x01"])
    _, c = comm_msgs(s, wid, lambda m: m["content"]["data"].get("method") == "custom", what="custom reply")
    r["widget_custom"] = {"content": c["content"]["data"]["content"], "buffers": [bytes(b).hex() for b in c["buffers"]]}
    # The widget manager's handshake, as JupyterLab sends it on connect: open the control comm, then request_states.
    ctl = "control-comm-1"
    s.send("comm_open", {"comm_id": ctl, "target_name": "jupyter.widget.control", "data": {}}, metadata={"version": "1.0.0"})
    s.send("comm_msg", {"comm_id": ctl, "data": {"method": "request_states"}})
    _, st = comm_msgs(s, ctl, lambda m: m["content"]["data"].get("method") == "update_states", what="update_states")
    states = st["content"]["data"]["states"]
    spaths = st["content"]["data"]["buffer_paths"]
    r["widget_control"] = {
        "models": sorted(states.keys()),
        "entry": {k: v for k, v in states.get(wid, {}).items() if k != "state"},
        "count": states.get(wid, {}).get("state", {}).get("count"),
        "buffer_paths": spaths,
        "buffers": {json.dumps(p): bytes(b).hex() for p, b in zip(spaths, st["buffers"])},
    }
    s.send("comm_close", {"comm_id": ctl, "data": {}})
    # The same request in the comm_open's data (the form the issue describes) is answered too.
    ctl2 = "control-comm-2"
    s.send("comm_open", {"comm_id": ctl2, "target_name": "jupyter.widget.control", "data": {"method": "request_states"}}, metadata={"version": "1.0.0"})
    _, st2 = comm_msgs(s, ctl2, lambda m: m["content"]["data"].get("method") == "update_states", what="update_states (request in comm_open)")
    r["widget_control_open_form"] = {"models": sorted(st2["content"]["data"]["states"].keys())}
    s.send("comm_close", {"comm_id": ctl2, "data": {}})


STREAM = f"""
import {{ openComm, cellSignal }} from '{API}';
import {{ IpcEncoder, kernelTileBatch, resultSchema, ResultStream }} from 'ntk-lab/arrow';
// Inside a function: tslab emits declarations for top-level names, and Arrow's types need not be nameable here.
async function streamTiles(): Promise<number> {{
  const comm = openComm('arrow-stream', {{ batches: 50 }});
  const schema = resultSchema('kernel-tiles', {{}});
  const encoder = new IpcEncoder('stream', schema);
  const descriptor = {{ label: 'ntk', kind: 'ntk' as const, layout: 'trace' as const, outputs: 1, shape: [50, 4], symmetric: false, backend: 'test', wallTimeMs: 0 }};
  async function* tiles() {{
    for (let i = 0; i < 50; i++) {{
      if (i > 0) await new Promise((r) => setTimeout(r, 200));
      yield kernelTileBatch(0, descriptor, [{{ rowStart: i, rowEnd: i + 1, colStart: 0, colEnd: 4, values: Float32Array.of(i, i + 0.25, i + 0.5, i + 0.75) }}]);
    }}
  }}
  const status = await new ResultStream(schema, tiles(), {{ signal: cellSignal() }}).toCallback((batch, p) => comm.send({{ index: p.index }}, {{}}, encoder.encode(batch)));
  comm.send({{ end: true }}, {{}}, encoder.finish(status));
  comm.close();
  return status.batches;
}}
const streamed: number = await streamTiles();
console.log('streamed', streamed);
"""


def scenario_streaming(s, r):
    reply, _, err, sent, replied = s.execute(STREAM, timeout=60)
    assert reply["content"]["status"] == "ok", err
    t_open, o = s.iopub("comm_open", lambda m: m["content"]["target_name"] == "arrow-stream")
    cid = o["content"]["comm_id"]
    msgs = [(t, m) for t, m in s.received["iopub"] if m["header"]["msg_type"] == "comm_msg" and m["content"]["comm_id"] == cid]
    batches = [(t, m) for t, m in msgs if "index" in m["content"]["data"]]
    chunks = b"".join(bytes(b) for _, m in msgs for b in m["buffers"])
    table = pa.ipc.open_stream(pa.BufferReader(chunks)).read_all()
    r["streaming"] = {
        "indices": [m["content"]["data"]["index"] for _, m in batches],
        "arrival_s": [round(t - sent, 3) for t, _ in batches],
        # The comm_open is the cell's first act: arrivals after it exclude tslab's compile time.
        "first_after_cell_start_s": round(batches[0][0] - t_open, 3) if batches else None,
        "reply_s": round(replied - sent, 3),
        "all_before_reply": all(t < replied for t, _ in msgs),
        "rows": table.num_rows,
        "row_start": table.column("row_start").to_pylist()[:50],
        "first_values": table.column("values").to_pylist()[1],
    }


LONG = f"""
import {{ ensureBackend, mlp, ntkTiles, Rng }} from 'ntk-lab';
import {{ cellSignal }} from '{API}';
await ensureBackend();
const n = 30000;
const net = mlp({{ inputDim: 32, widths: [256, 256], seed: 0 }});
const x = {{ rows: n, cols: 32, data: new Rng(1).normals32(n * 32) }};
(globalThis as any).tiles = 0;
const tileIterator = ntkTiles(net, x, undefined, {{ tile: 500, signal: cellSignal() }});
// tslab recognises a top-level `await`, not a top-level `for await`.
for (let r = await tileIterator.next(); !r.done; r = await tileIterator.next()) {{
  if ((globalThis as any).tiles++ === 0) console.log('first tile');
}}
console.log('finished', (globalThis as any).tiles);
"""


def scenario_interrupt(s, r):
    sent = time.monotonic()
    msg_id = s.send("execute_request", {"code": LONG, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
    t_first, _ = s.iopub_of(msg_id, "stream", timeout=60, pred=lambda m: "first tile" in m["content"]["text"])
    time.sleep(max(0.0, 1.0 - (time.monotonic() - t_first)))
    t_int = time.monotonic()
    s.km.interrupt_kernel()
    t_reply, reply = s.replies_to(msg_id, timeout=40, what="execute_reply of the interrupted cell")
    t_next0 = time.monotonic()
    tiles1 = int(s.value("(globalThis as any).tiles"))
    t_next = time.monotonic() - t_next0
    # The block in flight at the interrupt still ends (and yields its tile and its transpose); then nothing.
    time.sleep(1.0)
    tiles2 = int(s.value("(globalThis as any).tiles"))
    time.sleep(1.0)
    tiles3 = int(s.value("(globalThis as any).tiles"))
    finished = any("finished" in m["content"].get("text", "") for _, m in s.received["iopub"] if m["parent_header"].get("msg_id") == msg_id and m["header"]["msg_type"] == "stream")
    r["interrupt"] = {
        "first_tile_s": round(t_first - sent, 3),
        "interrupted_after_s": round(t_int - sent, 3),
        "reply_status": reply["content"]["status"],
        "reply_ename": reply["content"].get("ename"),
        "reply_latency_s": round(t_reply - t_int, 3),
        "next_execute_s": round(t_next, 3),
        "tiles_after": [tiles1, tiles2, tiles3],
        "finished": finished,
    }


def scenario_robustness(s, r):
    key = s.kc.session.key
    import hmac

    def frames(header, content, sig=None, parent=b"{}", metadata=b"{}"):
        h = json.dumps(header).encode() if isinstance(header, dict) else header
        c = json.dumps(content).encode() if isinstance(content, dict) else content
        if sig is None:
            mac = hmac.new(key, digestmod="sha256")
            for part in (h, parent, metadata, c):
                mac.update(part)
            sig = mac.hexdigest().encode()
        return [b"<IDS|MSG>", sig, h, parent, metadata, c]

    def header(msg_type):
        return {"msg_id": os.urandom(8).hex(), "msg_type": msg_type, "session": s.kc.session.session, "username": "test", "date": "2024-01-01T00:00:00Z", "version": "5.3"}

    forged = header("execute_request")
    s.send_raw(frames(forged, {"code": "(globalThis as any).forged = 'executed'", "silent": False}, sig=b"0" * 64))
    s.send_raw(frames(header("execute_request"), b"{not json"))
    s.send_raw(frames({"no": "msg_type"}, {}))
    s.send_raw([b"<IDS|MSG>", b"too", b"few"])
    s.send("comm_msg", {"comm_id": "no-such-comm", "data": {}})
    s.send("comm_close", {"comm_id": "no-such-comm", "data": {}})
    s.send("comm_msg", {"data": {}})
    s.send("comm_open", {"comm_id": "to-nowhere", "target_name": "no-such-target", "data": {}})
    _, closed = s.iopub("comm_close", lambda m: m["content"]["comm_id"] == "to-nowhere", what="comm_close for an unknown target")
    reply, _, _, _, _ = s.execute("registerTarget('throws', () => { throw new Error('handler failed on purpose'); })")
    s.send("comm_open", {"comm_id": "throwing", "target_name": "throws", "data": {}})
    _, closed2 = s.iopub("comm_close", lambda m: m["content"]["comm_id"] == "throwing", what="comm_close after a failing target handler")
    time.sleep(0.3)
    r["robustness"] = {
        "forged_executed": s.value("String((globalThis as any).forged)"),
        "alive": s.value("2 + 2"),
        "unknown_target_closed": closed["content"]["comm_id"],
        "failing_handler_closed": closed2["content"]["comm_id"],
        "no_reply_to_forged": not any(m["parent_header"].get("msg_id") == forged["msg_id"] for _, m in s.received["shell"]),
    }


SCENARIOS = [
    ("basics", scenario_basics),
    ("frontend_comm", scenario_frontend_comm),
    ("cell_comm", scenario_cell_comm),
    ("widget", scenario_widget),
    ("streaming", scenario_streaming),
    ("interrupt", scenario_interrupt),
    ("robustness", scenario_robustness),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--pid", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    only = set(filter(None, args.only.split(",")))
    report = {"errors": {}, "timings": {}}
    t0 = time.monotonic()
    s = KernelSession("ntk-lab", args.workdir, args.log, args.pid)
    report["timings"]["start_s"] = round(time.monotonic() - t0, 3)
    try:
        s.execute(f"import {{ registerTarget }} from '{API}';")
        for name, fn in SCENARIOS:
            if only and name not in only:
                continue
            t = time.monotonic()
            try:
                fn(s, report)
            except Exception:
                report["errors"][name] = traceback.format_exc()
            report["timings"][name] = round(time.monotonic() - t, 3)
        content, seconds, gone = s.shutdown()
        report["shutdown"] = {"reply": content, "exit_s": round(seconds, 3), "exited": gone}
    finally:
        s.close()
        with open(args.out, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
