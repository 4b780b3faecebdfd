"""`python -m ntk_lab_ray <job> ...`: see ntk_lab_ray/driver.py and `--help`."""
import sys

from .driver import main

sys.exit(main(sys.argv[1:]))
