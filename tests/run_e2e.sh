#!/bin/sh
# The end-to-end tests only; see run_all.sh.
exec sh "$(dirname "$0")/run_all.sh"
