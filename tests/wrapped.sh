#!/bin/sh
# SPDX-License-Identifier: ISC
# Run a test program under $PIPECHAT_WRAPPER (valgrind in the "valgrind"
# test setup; empty otherwise).  meson's own exe_wrapper would wrap the
# shell scripts too, and bash's leaks are not ours.
# shellcheck disable=SC2086
exec ${PIPECHAT_WRAPPER:-} "$@"
