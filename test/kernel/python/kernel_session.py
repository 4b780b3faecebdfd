"""A front end for the kernel protocol tests: starts a kernel from its installed kernelspec with
jupyter_client, and records every message from IOPub, shell and control with its arrival time
(time.monotonic), so tests can check order and timing. Every wait is bounded."""
import ast
import os
import time

from jupyter_client.manager import KernelManager


class Timeout(Exception):
    pass


class KernelSession:
    """One kernel process and a blocking client on it."""

    def __init__(self, kernel_name, cwd, log_path, pid_path=None, start_timeout=60):
        self.km = KernelManager(kernel_name=kernel_name)
        self.log_file = open(log_path, "w")
        self.km.start_kernel(cwd=cwd, stderr=self.log_file, stdout=self.log_file)
        if pid_path:
            # The test runner stops this PID if the driver itself dies.
            with open(pid_path, "w") as f:
                f.write(str(self.km.provisioner.pid))
        self.kc = self.km.blocking_client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=start_timeout)
        self.channels = {"iopub": self.kc.iopub_channel, "shell": self.kc.shell_channel, "control": self.kc.control_channel}
        self.received = {name: [] for name in self.channels}  # [(t, msg)]
        self.taken = set()

    # -- receiving -------------------------------------------------------------------------------
    def poll(self, timeout):
        """Moves every message that has arrived into `received`; waits up to `timeout` s for one."""
        deadline = time.monotonic() + timeout
        while True:
            got = False
            for name, chan in self.channels.items():
                while chan.msg_ready():
                    self.received[name].append((time.monotonic(), chan.get_msg(timeout=1)))
                    got = True
            if got or time.monotonic() >= deadline:
                return got
            time.sleep(0.001)

    def wait(self, channel, pred, timeout, what):
        """The first message on `channel` not taken before that satisfies `pred`: (arrival time, msg)."""
        deadline = time.monotonic() + timeout
        while True:
            for t, m in self.received[channel]:
                key = m["header"]["msg_id"]
                if key not in self.taken and pred(m):
                    self.taken.add(key)
                    return t, m
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout(f"no {what} within {timeout} s")
            self.poll(min(left, 0.05))

    def replies_to(self, msg_id, channel="shell", timeout=30, what="reply"):
        return self.wait(channel, lambda m: m["parent_header"].get("msg_id") == msg_id, timeout, what)

    def iopub_of(self, msg_id, msg_type, timeout=30, pred=lambda m: True):
        return self.wait("iopub", lambda m: m["header"]["msg_type"] == msg_type and m["parent_header"].get("msg_id") == msg_id and pred(m), timeout, f"{msg_type} for {msg_id}")

    def iopub(self, msg_type, pred, timeout=30, what=None):
        return self.wait("iopub", lambda m: m["header"]["msg_type"] == msg_type and pred(m), timeout, what or msg_type)

    # -- sending ---------------------------------------------------------------------------------
    def send(self, msg_type, content, buffers=None, metadata=None, channel="shell"):
        """Sends a request (buffers as raw frames); returns its msg_id."""
        msg = self.kc.session.send(self.channels[channel].socket, msg_type, content, buffers=buffers or [], metadata=metadata or {})
        return msg["header"]["msg_id"]

    def send_raw(self, frames):
        """Sends frames as they are (for forged or malformed messages)."""
        self.kc.shell_channel.socket.send_multipart(frames)

    def execute(self, code, timeout=60):
        """Runs a cell; returns (reply msg, stdout text, stderr text, sent time, reply arrival time)."""
        sent = time.monotonic()
        msg_id = self.send("execute_request", {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        t, reply = self.replies_to(msg_id, timeout=timeout, what=f"execute_reply to {code[:40]!r}")
        self.iopub_of(msg_id, "status", timeout=10, pred=lambda m: m["content"]["execution_state"] == "idle")
        out = {"stdout": "", "stderr": ""}
        for _, m in self.received["iopub"]:
            if m["parent_header"].get("msg_id") == msg_id and m["header"]["msg_type"] == "stream":
                out[m["content"]["name"]] += m["content"]["text"]
        return reply, out["stdout"], out["stderr"], sent, t

    def value(self, expr, timeout=30):
        """The value of a TypeScript expression: its execute_result's text/plain, a string unquoted (the
        kernel shows strings as util.inspect does, in single quotes, which Python's literal syntax reads)."""
        reply, _, err, _, _ = self.execute(expr, timeout=timeout)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"{expr!r} failed: {reply['content'].get('evalue')} {err}")
        text = self.result_text(reply["parent_header"]["msg_id"])
        if text is None:
            return ""
        return ast.literal_eval(text) if len(text) >= 2 and text[0] == text[-1] == "'" else text

    def result_text(self, msg_id):
        """text/plain of the execute_result of request `msg_id` (None when it had none)."""
        for _, m in self.received["iopub"]:
            if m["parent_header"].get("msg_id") == msg_id and m["header"]["msg_type"] == "execute_result":
                return m["content"]["data"]["text/plain"]
        return None

    def iopub_types(self, msg_id):
        """The msg_types on IOPub for request `msg_id`, in arrival order (status with its state)."""
        out = []
        for _, m in self.received["iopub"]:
            if m["parent_header"].get("msg_id") == msg_id:
                t = m["header"]["msg_type"]
                out.append(f"status:{m['content']['execution_state']}" if t == "status" else t)
        return out

    # -- stopping --------------------------------------------------------------------------------
    def shutdown(self, timeout=10):
        """Asks the kernel to shut down; returns (shutdown_reply content, seconds until the process was gone)."""
        t0 = time.monotonic()
        msg_id = self.send("shutdown_request", {"restart": False}, channel="control")
        _, reply = self.replies_to(msg_id, channel="control", timeout=timeout, what="shutdown_reply")
        while self.km.is_alive() and time.monotonic() - t0 < timeout:
            time.sleep(0.02)
        return reply["content"], time.monotonic() - t0, not self.km.is_alive()

    def close(self):
        try:
            self.kc.stop_channels()
        finally:
            if self.km.has_kernel and self.km.is_alive():
                self.km.shutdown_kernel(now=True)
            self.log_file.close()
