"""Conformance scenarios, played by jupyter_client against the ntk-lab kernel and against ipykernel (the
reference) with the same messages: each kernel gets code in its own language where it must, and the very
same inputs where the answers can be compared as they are (history). What each kernel did is recorded in
one JSON report, {"kernels": {"ntk-lab": {...}, "python3": {...}}, "parent_death": {...}}; the TypeScript
test (test/kernel/conformance.test.ts) asserts on it. A scenario that fails records its traceback and
the others still run.

    python conformance.py --workdir W --tmp T --out report.json [--kernels ntk-lab,python3] [--only a,b]
                          [--seed N] [--fuzz-count N]
"""
import argparse
import hmac
import json
import os
import random
import signal
import subprocess
import sys
import time
import traceback
import threading
import uuid

import zmq

from kernel_session import KernelSession, Timeout

API = "ntk-lab/notebook"
HERE = os.path.dirname(os.path.abspath(__file__))

# The same inputs in both languages: their history replies must be equal.
HISTORY_INPUTS = ["1 + 1", "2 * 3", "1 + 1", '"ab" + "c"', "7"]

CODE = {
    "ntk-lab": {
        "stdout": "console.log('out'); console.error('err'); 6 * 7",
        "error": "throw new TypeError('bad value')",
        "fail": "throw new Error('boom')",
        "fail_late": "await new Promise((r) => setTimeout(r, 300)); throw new Error('late boom')",
        "display": f"import {{ display }} from '{API}';\ndisplay({{ 'text/markdown': '**hi**', 'text/plain': 'hi' }});",
        "rich": "({ _repr_html_: () => '<b>rich</b>' })",
        "define": "const abcdef = 1;",
        "complete": ("abcd", 4),
        "inspect": ("Math.max", 8),
        "is_complete": {"complete": "1 + 1", "incomplete": "function f() {", "invalid": "const = 7q"},
        "replayed": "(globalThis as any).replays = ((globalThis as any).replays ?? 0) + 1",
        "replays": "(globalThis as any).replays",
        "value": "40 + 2",
    },
    "python3": {
        "stdout": "import sys; print('out'); print('err', file=sys.stderr); 6 * 7",
        "error": "raise TypeError('bad value')",
        "fail": "raise ValueError('boom')",
        "fail_late": "import time; time.sleep(0.3); raise ValueError('late boom')",
        "display": "from IPython.display import display, Markdown\ndisplay(Markdown('**hi**'))",
        "rich": "class Rich:\n    def _repr_html_(self): return '<b>rich</b>'\nRich()",
        "define": "abcdef = 1",
        "complete": ("abcd", 4),
        "inspect": ("len", 3),
        "is_complete": {"complete": "1 + 1", "incomplete": "def f():", "invalid": "x = = 1"},
        "replayed": "replays = globals().get('replays', 0) + 1",
        "replays": "replays",
        "value": "40 + 2",
    },
}


def execute_content(code, **kw):
    c = {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}
    c.update(kw)
    return c


def run(s, code, **kw):
    """Sends an execute_request and waits for its reply and its idle status; returns (msg_id, reply)."""
    msg_id = s.send("execute_request", execute_content(code, **kw))
    _, reply = s.replies_to(msg_id, timeout=60, what=f"execute_reply to {code[:40]!r}")
    s.iopub_of(msg_id, "status", timeout=10, pred=lambda m: m["content"]["execution_state"] == "idle")
    return msg_id, reply


def iopub_contents(s, msg_id, msg_type):
    return [m["content"] for _, m in s.received["iopub"] if m["parent_header"].get("msg_id") == msg_id and m["header"]["msg_type"] == msg_type]


def request(s, msg_type, content, channel="shell", timeout=30):
    _, reply = s.replies_to(s.send(msg_type, content, channel=channel), channel=channel, timeout=timeout, what=msg_type)
    return reply


def sign(s, parts):
    mac = hmac.new(s.kc.session.key, digestmod="sha256")
    for p in parts:
        mac.update(p)
    return mac.hexdigest().encode()


def send_signed(s, header, content, parent=b"{}", metadata=b"{}", buffers=(), channel="shell"):
    """Sends JSON texts (bytes) as they are, validly signed: what Session.send cannot (deep, NaN, not objects)."""
    parts = [header, parent, metadata, content]
    s.channels[channel].socket.send_multipart([b"<IDS|MSG>", sign(s, parts), *parts, *buffers])


def new_header(s, msg_type, msg_id=None):
    return {"msg_id": msg_id or uuid.uuid4().hex, "msg_type": msg_type, "session": s.kc.session.session, "username": "fuzz", "date": "2024-01-01T00:00:00.000000Z", "version": "5.3"}


# -- scenarios for both kernels ------------------------------------------------------------------------

def scenario_history(s, r, code):
    """First scenario of a fresh kernel: lines 1..5 are HISTORY_INPUTS."""
    for c in HISTORY_INPUTS:
        run(s, c)
    run(s, "100", store_history=False)
    run(s, "200", silent=True)
    base = {"output": False, "raw": True}
    asks = {
        "tail3": {"hist_access_type": "tail", "n": 3},
        "tail_all": {"hist_access_type": "tail", "n": 100},
        "range": {"hist_access_type": "range", "session": 0, "start": 1, "stop": 3},
        "range_to_end_output": {"hist_access_type": "range", "session": 0, "start": 2, "output": True},
        "range_negative": {"hist_access_type": "range", "session": 0, "start": -2},
        "range_from_0": {"hist_access_type": "range", "session": 0, "start": 0, "stop": 2},
        "range_previous_session": {"hist_access_type": "range", "session": -1, "start": 1},
        "search": {"hist_access_type": "search", "pattern": "1*"},
        "search_unique": {"hist_access_type": "search", "pattern": "1*", "unique": True},
        "search_n": {"hist_access_type": "search", "pattern": "*", "n": 2},
        "search_set": {"hist_access_type": "search", "pattern": "[0-9] [*+] [0-9]"},
        "search_unique_n": {"hist_access_type": "search", "pattern": "*", "unique": True, "n": 3},
        "search_none": {"hist_access_type": "search", "pattern": "nothing*"},
        "unknown_access": {"hist_access_type": "nonsense"},
    }
    r["history"] = {}
    for name, ask in asks.items():
        reply = request(s, "history_request", {**base, **ask})
        r["history"][name] = reply["content"]
    tail = request(s, "history_request", {"hist_access_type": "tail", "n": 2, "output": True, "raw": True})["content"]
    r["history_tail_output"] = tail


def scenario_kernel_info(s, r, code):
    reply = request(s, "kernel_info_request", {})
    c = reply["content"]
    r["kernel_info"] = {"msg_type": reply["header"]["msg_type"], "keys": sorted(c), "status": c.get("status"), "language_info_keys": sorted(c.get("language_info", {})), "implementation": c.get("implementation"), "protocol_version": c.get("protocol_version")}


def scenario_execute(s, r, code):
    msg_id, reply = run(s, code["stdout"])
    res = iopub_contents(s, msg_id, "execute_result")
    r["execute"] = {
        "status": reply["content"]["status"],
        "reply_keys": sorted(reply["content"]),
        "iopub": s.iopub_types(msg_id),
        "streams": [(c["name"], c["text"]) for c in iopub_contents(s, msg_id, "stream")],
        "result": res[0]["data"]["text/plain"] if res else None,
        "result_keys": sorted(res[0]) if res else None,
        "result_count_is_reply_count": bool(res) and res[0]["execution_count"] == reply["content"]["execution_count"],
        "input_count_is_reply_count": iopub_contents(s, msg_id, "execute_input")[0]["execution_count"] == reply["content"]["execution_count"],
    }
    # execution_count counts: +1 per stored cell, silent and store_history: false leave it.
    counts = [run(s, "1")[1]["content"]["execution_count"]]
    _, silent = run(s, "1", silent=True)
    _, unstored = run(s, "1", store_history=False)
    counts.append(run(s, "1")[1]["content"]["execution_count"])
    r["counting"] = {"delta": counts[1] - counts[0], "silent_count_delta": silent["content"]["execution_count"] - counts[0], "unstored_count_delta": unstored["content"]["execution_count"] - counts[0]}
    msg_id, _ = run(s, code["value"], silent=True)
    r["silent_iopub"] = s.iopub_types(msg_id)


def scenario_error(s, r, code):
    msg_id, reply = run(s, code["error"])
    errs = iopub_contents(s, msg_id, "error")
    c = reply["content"]
    r["error"] = {
        "iopub": s.iopub_types(msg_id),
        "error_keys": sorted(errs[0]) if errs else None,
        "ename": errs[0]["ename"] if errs else None,
        "evalue": errs[0]["evalue"] if errs else None,
        "traceback_is_strings": bool(errs) and isinstance(errs[0]["traceback"], list) and len(errs[0]["traceback"]) > 0 and all(isinstance(t, str) for t in errs[0]["traceback"]),
        "traceback_text": "\n".join(errs[0]["traceback"]) if errs else "",
        "reply_status": c["status"],
        "reply_keys": sorted(c),
        "reply_matches_iopub": bool(errs) and all(c.get(k) == errs[0][k] for k in ("ename", "evalue", "traceback")),
        "stderr": "".join(t for n, t in [(x["name"], x["text"]) for x in iopub_contents(s, msg_id, "stream")] if n == "stderr"),
    }


def scenario_display(s, r, code):
    msg_id, reply = run(s, code["display"])
    d = iopub_contents(s, msg_id, "display_data")
    r["display"] = {"status": reply["content"]["status"], "count": len(d), "keys": sorted(d[0]) if d else None, "mimes": sorted(d[0]["data"]) if d else None, "markdown": d[0]["data"].get("text/markdown") if d else None}
    msg_id, reply = run(s, code["rich"])
    res = iopub_contents(s, msg_id, "execute_result")
    r["rich"] = {"status": reply["content"]["status"], "mimes": sorted(res[0]["data"]) if res else None, "html": res[0]["data"].get("text/html") if res else None}


def scenario_is_complete(s, r, code):
    r["is_complete"] = {want: request(s, "is_complete_request", {"code": c})["content"] for want, c in code["is_complete"].items()}


def scenario_complete_inspect(s, r, code):
    run(s, code["define"])
    text, pos = code["complete"]
    c = request(s, "complete_request", {"code": text, "cursor_pos": pos})["content"]
    r["complete"] = {"keys": sorted(c), "status": c["status"], "has_match": "abcdef" in c["matches"], "cursor_start": c["cursor_start"], "cursor_end": c["cursor_end"]}
    text, pos = code["inspect"]
    i = request(s, "inspect_request", {"code": text, "cursor_pos": pos, "detail_level": 0})["content"]
    r["inspect"] = {"keys": sorted(i), "status": i["status"], "found": i["found"], "has_text": bool(i.get("data", {}).get("text/plain"))}
    info = request(s, "comm_info_request", {})["content"]
    r["comm_info"] = {"keys": sorted(info), "status": info.get("status"), "comms": info.get("comms")}


def scenario_stop_on_error(s, r, code):
    def burst(first, stop):
        ids = [s.send("execute_request", execute_content(c, stop_on_error=stop)) for c in (first, "1", "2")]
        replies = [s.replies_to(i, timeout=60, what="execute_reply in a burst")[1]["content"] for i in ids]
        s.iopub_of(ids[-1], "status", timeout=10, pred=lambda m: m["content"]["execution_state"] == "idle")
        return {"statuses": [c["status"] for c in replies], "counts": [c.get("execution_count") for c in replies], "reply_keys": [sorted(c) for c in replies], "iopub": [s.iopub_types(i) for i in ids]}

    r["stop_on_error"] = {"sync": burst(code["fail"], True), "late": burst(code["fail_late"], True), "no_stop": burst(code["fail"], False)}
    _, after = run(s, "5")
    r["stop_on_error"]["after"] = {"status": after["content"]["status"], "count": after["content"]["execution_count"]}


def scenario_replay(s, r, code):
    msg = s.kc.session.msg("execute_request", execute_content(code["replayed"]))
    frames = s.kc.session.serialize(msg)
    sock = s.kc.shell_channel.socket
    sock.send_multipart(frames)
    s.replies_to(msg["header"]["msg_id"], timeout=60, what="the first execute_reply")
    sock.send_multipart(frames)
    time.sleep(1.0)
    s.poll(0.1)
    replies = [m for _, m in s.received["shell"] if m["parent_header"].get("msg_id") == msg["header"]["msg_id"]]
    r["replay"] = {"replies": len(replies), "runs": s.value(code["replays"])}


def scenario_deep_header(s, r, code):
    """The message of issue 16: an execute_request whose header holds an array nested 5000 deep (10 kB)."""
    h = json.dumps(new_header(s, "execute_request"))[:-1] + ', "deep": ' + "[" * 5000 + "]" * 5000 + "}"
    msg_id = json.loads(h[: h.index(', "deep"')] + "}")["msg_id"]
    send_signed(s, h.encode(), json.dumps(execute_content(code["value"])).encode())
    try:
        _, reply = s.replies_to(msg_id, timeout=5, what="the reply to the deep header")
        got = reply["content"]["status"]
    except Timeout:
        got = None
    _, after = run(s, code["value"])
    r["deep_header"] = {"reply_status": got, "next_status": after["content"]["status"], "next_result": s.result_text(after["parent_header"]["msg_id"])}


# -- ntk-lab only ---------------------------------------------------------------------------------------

NTK_VALUES = {
    "kernel": "import { ensureBackend, mlp, ntk } from 'ntk-lab';\nawait ensureBackend();\nconst K2 = await ntk(mlp({ inputDim: 3, widths: [8], seed: 0 }), [[1, 0, 0], [0, 1, 0]]);\nK2",
    "symbol": "({ [Symbol.for('Jupyter.display')]() { return { 'text/html': '<i>d</i>', 'text/plain': 'deno style' }; } })",
    "mimebundle": "({ _repr_mimebundle_: () => [{ 'text/markdown': '*m*' }, { 'text/markdown': { isolated: true } }] })",
    "bytes": "({ _repr_png_: () => new Uint8Array([137, 80, 78, 71]) })",
    "failing": "({ _repr_html_() { throw new Error('no html'); } })",
    "string": "'it' + 's'",
    "undefined": "undefined",
}


def scenario_ntk_values(s, r, code):
    out = {}
    for name, c in NTK_VALUES.items():
        msg_id, reply = run(s, c)
        res = iopub_contents(s, msg_id, "execute_result")
        out[name] = {
            "status": reply["content"]["status"],
            "data": res[0]["data"] if res else None,
            "metadata": res[0]["metadata"] if res else None,
            "stderr": "".join(x["text"] for x in iopub_contents(s, msg_id, "stream") if x["name"] == "stderr"),
        }
    r["ntk_values"] = out
    errors = {}
    for name, c in {"compile": "const x: number = 'a'", "thrown_string": "throw 'str'", "syntax": "const = 7q"}.items():
        msg_id, reply = run(s, c)
        e = iopub_contents(s, msg_id, "error")
        errors[name] = {"status": reply["content"]["status"], "ename": e[0]["ename"] if e else None, "evalue": e[0]["evalue"] if e else None, "stderr": "".join(x["text"] for x in iopub_contents(s, msg_id, "stream") if x["name"] == "stderr")}
    r["ntk_errors"] = errors
    # Cursor positions count code points (protocol 5.2): an emoji before the cursor is one, not two.
    run(s, "const emojiName = 1;")
    c = request(s, "complete_request", {"code": "'😀'; emojiN", "cursor_pos": 11})["content"]
    r["ntk_complete_code_points"] = {"cursor_start": c["cursor_start"], "cursor_end": c["cursor_end"], "has_match": "emojiName" in c["matches"]}
    r["ntk_bad_requests"] = {
        "cursor_outside": request(s, "complete_request", {"code": "abc", "cursor_pos": 99})["content"],
        "code_not_string": request(s, "is_complete_request", {"code": 5})["content"],
        "tail_without_n": request(s, "history_request", {"hist_access_type": "tail", "output": False, "raw": True})["content"],
        "execute_without_code": request(s, "execute_request", {"silent": False}, timeout=60)["content"],
        "connect": request(s, "connect_request", {})["content"],
    }


# The fuzz: random, validly signed messages. Types the kernel answers, and types it does not know.
ANSWERED = ["execute_request", "kernel_info_request", "connect_request", "is_complete_request", "inspect_request", "complete_request", "history_request", "comm_info_request", "interrupt_request"]
OTHER_TYPES = ["comm_open", "comm_msg", "comm_close", "debug_request", "usage_request", "input_reply", "execute_reply", "status", "create_subshell_request", "constructor", "__proto__", "toString", "hasOwnProperty", "", "\U0001f4a5", "x" * 10000, "shutdown_reply", "execute_request\u0000"]
COMM_IDS = ["fuzz-c1", "fuzz-c2", "fuzz-c3"]
TARGETS = ["jupyter.widget", "jupyter.widget.control", "no-such-target"]
METHODS = ["update", "request_state", "custom", "request_states", "echo_update", "nonsense"]
STRINGS = ["", "code", "comm_id", "__proto__", "constructor", "msg_id", "\u00e9\u00e8", "\U0001f600", "\ud800", "\u0000\u001f", "a\"b\\c", "<IDS|MSG>"]
SOUP = "abcxyz0123456789 ()[]{};:,.+-*/=<>!?'\"`\n\t@#$%^&|~\\"


def not_json(constant):
    """NaN, Infinity: Python's json reads them, JSON (and the kernel) does not."""
    raise ValueError(f"{constant} is not JSON")


class Fuzz:
    def __init__(self, seed):
        self.rng = random.Random(seed)

    def string(self):
        rng = self.rng
        if rng.random() < 0.5:
            return json.dumps(rng.choice(STRINGS))
        return json.dumps("".join(chr(rng.randint(0, 0x2FFF)) for _ in range(rng.randint(0, 12))))

    def scalar(self):
        rng = self.rng
        return rng.choice(["null", "true", "false", "0", "-1", "7", str(2**53), str(2**64), str(-(2**63)), "1e308", "1.5", "-0.0", self.string(), self.string()])

    def special(self):
        rng = self.rng
        k = rng.random()
        if k < 0.35:
            d = rng.choice([100, 257, 300, 5000, 20000])
            return "[" * d + "]" * d
        if k < 0.55:
            d = rng.choice([100, 300, 5000])
            return '{"a":' * d + "1" + "}" * d
        if k < 0.75:
            return json.dumps("z" * rng.choice([10**4, 10**5, 10**6]))
        if k < 0.9:
            return "[" + ",".join(["1"] * rng.choice([10**3, 10**5])) + "]"
        return rng.choice(["NaN", "Infinity", "-Infinity"])  # not JSON: json.dumps writes them

    def value(self, depth=0):
        rng = self.rng
        k = rng.random()
        if depth > 4 or k < 0.4:
            return self.scalar()
        if k < 0.6:
            return "[" + ",".join(self.value(depth + 1) for _ in range(rng.randint(0, 4))) + "]"
        if k < 0.85:
            return "{" + ",".join(f"{self.string()}:{self.value(depth + 1)}" for _ in range(rng.randint(0, 4))) + "}"
        return self.special()

    def typed(self, right):
        """Mostly a value of the right type (`right` makes one), else anything."""
        return right() if self.rng.random() < 0.6 else self.value()

    def code(self):
        rng = self.rng
        k = rng.random()
        if k < 0.1:
            return rng.choice(["1", "undefined", "null", '"s"', "[1, 2]", "({})", "throw 1", "x", ""])
        n = rng.choice([20000]) if k < 0.12 else rng.randint(0, 120)
        return "".join(rng.choice(SOUP) for _ in range(n))

    def content(self, msg_type):
        rng = self.rng
        j = json.dumps
        b = lambda: rng.choice(["true", "false"])  # noqa: E731
        i = lambda: str(rng.randint(-3, 40))  # noqa: E731
        code = lambda: j(self.code())  # noqa: E731
        fields = {
            "execute_request": {"code": code, "silent": b, "store_history": b, "user_expressions": lambda: "{}", "allow_stdin": b, "stop_on_error": b},
            "complete_request": {"code": code, "cursor_pos": i},
            "inspect_request": {"code": code, "cursor_pos": i, "detail_level": i},
            "is_complete_request": {"code": code},
            "history_request": {"hist_access_type": lambda: j(rng.choice(["tail", "range", "search", "x"])), "n": i, "session": i, "start": i, "stop": i, "pattern": lambda: j(rng.choice(["*", "1*", "[a-", "[^x]*", "?" * 50, "*a*a*a*a*a*b"])), "unique": b, "output": b, "raw": b},
            "comm_info_request": {"target_name": lambda: j(rng.choice(TARGETS))},
            "comm_open": {"comm_id": lambda: j(rng.choice(COMM_IDS)), "target_name": lambda: j(rng.choice(TARGETS)), "data": self.widget_data},
            "comm_msg": {"comm_id": lambda: j(rng.choice(COMM_IDS)), "data": self.widget_data},
            "comm_close": {"comm_id": lambda: j(rng.choice(COMM_IDS)), "data": lambda: "{}"},
        }.get(msg_type, {})
        k = rng.random()
        if k < 0.04:
            return rng.choice([b"[]", b"5", b"not json", b'"s"', b"null"])
        if k < 0.08:
            return self.special().encode()
        parts = [f"{j(name)}:{self.typed(make)}" for name, make in fields.items() if rng.random() < 0.9]
        if rng.random() < 0.2:
            parts.append(f"{self.string()}:{self.value()}")
        return ("{" + ",".join(parts) + "}").encode()

    def widget_data(self):
        rng = self.rng
        j = json.dumps
        parts = [f'"method":{j(rng.choice(METHODS))}', f'"state":{self.typed(lambda: "{" + chr(34) + "count" + chr(34) + ":" + self.value() + "}")}', f'"buffer_paths":{self.typed(lambda: "[[" + chr(34) + "b" + chr(34) + "]]")}']
        return "{" + ",".join(p for p in parts if rng.random() < 0.8) + "}"

    def message(self, s):
        """(frames parts, channel, msg_id expected to be answered or None)."""
        rng = self.rng
        msg_type = rng.choice(ANSWERED) if rng.random() < 0.65 else rng.choice(OTHER_TYPES)
        header = new_header(s, msg_type)
        text = json.dumps(header)
        answered = msg_type in ANSWERED
        k = rng.random()
        if k < 0.06:
            text = text.replace(json.dumps(header["msg_id"]), self.scalar() if rng.random() < 0.5 else self.value(), 1)
            answered = False  # without a msg_id string, no reply can name its request
        elif k < 0.1:
            text = text.replace(json.dumps(msg_type), self.value(), 1)
            answered = False
        elif k < 0.25:
            text = text[:-1] + f', "extra":{self.value() if rng.random() < 0.5 else self.special()}' + "}"
        elif k < 0.28:
            text = rng.choice(["[]", "5", "not json", "null"])
            answered = False
        try:
            parsed = json.loads(text, parse_constant=not_json)
            if not (isinstance(parsed, dict) and isinstance(parsed.get("msg_id"), str) and isinstance(parsed.get("msg_type"), str)):
                answered = False
        except (ValueError, RecursionError):
            answered = False
        parent = b"{}" if rng.random() < 0.9 else self.value().encode()
        metadata = b"{}" if rng.random() < 0.85 else self.value().encode()
        buffers = [os.urandom(rng.randint(0, 64)) for _ in range(rng.randint(0, 3))] if rng.random() < 0.1 else []
        channel = "control" if rng.random() < 0.15 else "shell"
        return [text.encode(), parent, metadata, self.content(msg_type)] + buffers, channel, (header["msg_id"] if answered else None)


class StatusRecorder:
    """Every status on IOPub, from a SUB socket of its own that never drops (no high-water mark) read by a
    thread of its own: the test's client, busy sending, falls behind and ZeroMQ drops what overflows its
    SUB queue (1000 messages), as it would for any front end."""

    def __init__(self, s):
        info = s.km.get_connection_info()
        self.sock = zmq.Context.instance().socket(zmq.SUB)
        self.sock.rcvhwm = 0
        self.sock.setsockopt(zmq.SUBSCRIBE, b"")
        self.sock.connect(f"{info['transport']}://{info['ip']}:{info['iopub_port']}")
        self.states = {}  # parent msg_id -> [states]
        self.running = True
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()
        # ZeroMQ's slow joiner: a SUB sees nothing until its subscription has reached the PUB, which a fixed pause
        # does not guarantee on a loaded machine (the fuzz's first requests then lost both their statuses). Probe
        # with kernel_info requests until this socket has seen one's idle status.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            probe = s.send("kernel_info_request", {})
            until = time.monotonic() + 1.0
            while time.monotonic() < until and "idle" not in self.states.get(probe, ()):
                s.poll(0.05)
            if "idle" in self.states.get(probe, ()):
                return
        raise AssertionError("the status recorder's SUB socket saw no status within 30 s")

    def read(self):
        while self.running:
            if not self.sock.poll(50):
                continue
            frames = self.sock.recv_multipart()
            d = frames.index(b"<IDS|MSG>")
            if json.loads(frames[d + 2]).get("msg_type") == "status":
                parent = json.loads(frames[d + 3]).get("msg_id")
                self.states.setdefault(parent, []).append(json.loads(frames[d + 5])["execution_state"])

    def close(self):
        self.running = False
        self.thread.join(5)
        self.sock.close(0)


def scenario_fuzz(s, r, code, seed=16, count=1000):
    fz = Fuzz(seed)
    statuses = StatusRecorder(s)
    t0 = time.monotonic()
    expected = {}  # msg_id -> channel
    types = {}
    for n in range(count):
        parts, channel, answered = fz.message(s)
        header, parent, metadata, content, *buffers = parts
        send_signed(s, header, content, parent=parent, metadata=metadata, buffers=buffers, channel=channel)
        if answered:
            expected[answered] = (channel, json.loads(header)["msg_type"], content[:160].decode("utf-8", "replace"))
        try:
            t = json.loads(header).get("msg_type")
        except Exception:
            t = None
        key = t if isinstance(t, str) and len(t) < 40 else "(odd)"
        types[key] = types.get(key, 0) + 1
        if n % 25 == 24:
            s.poll(0.01)
    sent_s = time.monotonic() - t0

    def replies_by_id():
        got = {}
        for ch in ("shell", "control"):
            for _, m in s.received[ch]:
                pid = m["parent_header"].get("msg_id")
                if pid in expected:
                    got[pid] = got.get(pid, 0) + 1
        return got

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        s.poll(0.2)
        if len(replies_by_id()) == len(expected):
            break
    got = replies_by_id()
    # The recorder's thread reads IOPub while this one sends; on a loaded machine it lags seconds behind, so wait
    # for the statuses themselves (a fixed pause missed the last requests' busy and idle alike) before judging.
    status_deadline = time.monotonic() + 30
    while time.monotonic() < status_deadline and any("idle" not in statuses.states.get(i, ()) for i in expected):
        time.sleep(0.1)
    statuses.close()
    idle = {i for i, states in statuses.states.items() if "idle" in states}
    busy = {i for i, states in statuses.states.items() if "busy" in states}
    statuses = {}
    for ch in ("shell", "control"):
        for _, m in s.received[ch]:
            if m["parent_header"].get("msg_id") in expected:
                st = m["content"].get("status")
                statuses[st] = statuses.get(st, 0) + 1
    r["fuzz"] = {
        "seed": seed,
        "sent": count,
        "types": types,
        "answerable": len(expected),
        "unanswered": [[i, *expected[i]] for i in expected if i not in got][:20],
        "answered_twice": [i for i, n in got.items() if n > 1][:20],
        "without_idle": [[i, *expected[i][:2], i in busy] for i in expected if i not in idle][:20],
        "reply_statuses": statuses,
        "send_s": round(sent_s, 2),
        "all_replies_s": round(time.monotonic() - t0, 2),
    }
    # The kernel still works: a cell, its output, its value, and the other requests.
    msg_id, reply = run(s, "console.log('still here'); 40 + 2")
    r["after_fuzz"] = {
        "status": reply["content"]["status"],
        "stdout": "".join(x["text"] for x in iopub_contents(s, msg_id, "stream") if x["name"] == "stdout"),
        "result": s.result_text(msg_id),
        "is_complete": request(s, "is_complete_request", {"code": "function f() {"})["content"]["status"],
        "history_last": request(s, "history_request", {"hist_access_type": "tail", "n": 1, "output": False, "raw": True})["content"]["history"][0][2],
        "kernel_info": request(s, "kernel_info_request", {}, channel="control")["content"]["status"],
    }


def scenario_interrupts(s, r, code):
    out = {}
    for name, cell in {"sync_loop": "while (true) {}", "awaiting": "await new Promise((r) => setTimeout(r, 60000))"}.items():
        msg_id = s.send("execute_request", execute_content(cell))
        s.iopub_of(msg_id, "execute_input", timeout=60)
        time.sleep(0.7)  # compiled and running
        t = time.monotonic()
        s.km.interrupt_kernel()
        _, reply = s.replies_to(msg_id, timeout=30, what=f"execute_reply of the interrupted {name}")
        latency = time.monotonic() - t
        t = time.monotonic()
        value = s.value("1 + 2")
        out[name] = {"status": reply["content"]["status"], "ename": reply["content"].get("ename"), "evalue": reply["content"].get("evalue"), "reply_s": round(latency, 3), "next": value, "next_s": round(time.monotonic() - t, 3)}
    r["interrupts"] = out


def scenario_shutdown_during_work(s, r, code):
    msg_id = s.send("execute_request", execute_content("await new Promise((r) => setTimeout(r, 60000)); console.log('never')"))
    s.iopub_of(msg_id, "execute_input", timeout=60)
    time.sleep(0.5)
    content, seconds, gone = s.shutdown()
    r["shutdown_during_work"] = {"reply": content, "exit_s": round(seconds, 3), "exited": gone}


BOTH = [
    ("history", scenario_history),
    ("kernel_info", scenario_kernel_info),
    ("execute", scenario_execute),
    ("error", scenario_error),
    ("display", scenario_display),
    ("is_complete", scenario_is_complete),
    ("complete_inspect", scenario_complete_inspect),
    ("stop_on_error", scenario_stop_on_error),
    ("replay", scenario_replay),
    ("deep_header", scenario_deep_header),
]
NTK_ONLY = [
    ("ntk_values", scenario_ntk_values),
    ("fuzz", scenario_fuzz),
    ("interrupts", scenario_interrupts),
    ("shutdown_during_work", scenario_shutdown_during_work),
]


def process_gone(pid):
    """True once `pid` has exited (a zombie nobody reaped counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def parent_death(name, workdir, log):
    """Starts `name` under parent.py, SIGKILLs parent.py, and times how long the kernel outlives it."""
    parent = subprocess.Popen([sys.executable, os.path.join(HERE, "parent.py"), name, workdir, log], stdout=subprocess.PIPE, text=True)
    kernel_pid = None
    try:
        line = parent.stdout.readline()
        kernel_pid = int(line)
        alive_before = not process_gone(kernel_pid)
        t = time.monotonic()
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        while not process_gone(kernel_pid) and time.monotonic() - t < 15:
            time.sleep(0.05)
        gone = process_gone(kernel_pid)
        return {"alive_before": alive_before, "exited": gone, "exit_s": round(time.monotonic() - t, 3)}
    finally:
        if parent.poll() is None:
            parent.kill()
        if kernel_pid and not process_gone(kernel_pid):
            os.kill(kernel_pid, signal.SIGKILL)


def run_kernel(name, args, only, report):
    r = {"errors": {}, "timings": {}}
    report["kernels"][name] = r
    log = os.path.join(args.tmp, f"{name}.log")
    t0 = time.monotonic()
    s = KernelSession(name, args.workdir, log, os.path.join(args.tmp, f"{name}.pid"))
    r["timings"]["start_s"] = round(time.monotonic() - t0, 3)
    code = CODE[name]
    try:
        for scen, fn in BOTH + (NTK_ONLY if name == "ntk-lab" else []):
            if only and scen not in only:
                continue
            t = time.monotonic()
            try:
                if fn is scenario_fuzz:
                    fn(s, r, code, seed=args.seed, count=args.fuzz_count)
                else:
                    fn(s, r, code)
            except Exception:
                r["errors"][scen] = traceback.format_exc()
            r["timings"][scen] = round(time.monotonic() - t, 3)
        if s.km.is_alive():
            content, seconds, gone = s.shutdown()
            r["shutdown"] = {"reply": content, "exit_s": round(seconds, 3), "exited": gone}
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--tmp", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--kernels", default="ntk-lab,python3")
    ap.add_argument("--only", default="")
    ap.add_argument("--fuzz-count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=16)
    args = ap.parse_args()
    only = set(filter(None, args.only.split(",")))
    report = {"kernels": {}, "parent_death": {}, "errors": {}}
    try:
        for name in args.kernels.split(","):
            try:
                run_kernel(name, args, only, report)
            except Exception:
                report["errors"][name] = traceback.format_exc()
            if not only or "parent_death" in only:
                try:
                    report["parent_death"][name] = parent_death(name, args.workdir, os.path.join(args.tmp, f"{name}-orphan.log"))
                except Exception:
                    report["errors"][f"parent_death {name}"] = traceback.format_exc()
    finally:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
