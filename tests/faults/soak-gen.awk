# SPDX-License-Identifier: ISC
# Print lines 1..count of client id, incarnation r (see soak-lines.awk).
BEGIN {
	soak_init()
	for (n = 1; n <= count; n++)
		print soak_line(id, r, n)
}
