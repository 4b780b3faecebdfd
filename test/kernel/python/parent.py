"""A front end that starts a kernel and then just waits, to be killed with SIGKILL by the test: it is the
kernel's parent (jupyter_client sets JPY_PARENT_PID to this process), so the kernel must notice it is gone.

    python parent.py KERNEL_NAME CWD LOG    -> prints the kernel's PID once it answers, then sleeps
"""
import sys
import time

from jupyter_client.manager import KernelManager


def main():
    name, cwd, log = sys.argv[1:4]
    km = KernelManager(kernel_name=name)
    # A file, not a pipe to this process: writes to a pipe whose reader died would end the kernel by
    # themselves (EPIPE), and the test is whether the kernel notices its parent is gone.
    out = open(log, "w")
    km.start_kernel(cwd=cwd, stdout=out, stderr=out)
    kc = km.blocking_client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    print(km.provisioner.pid, flush=True)
    time.sleep(600)


if __name__ == "__main__":
    main()
