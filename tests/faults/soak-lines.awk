# SPDX-License-Identifier: ISC
# The soak's numbered lines, "cID-rR-NNNNNN-PAYLOAD": PAYLOAD is 10 to 400
# bytes of [A-Za-z0-9] that depend on ID, R and N only, so that whoever
# reads a line back can regenerate it and compare.  Shared by the generator
# (soak-gen.awk) and the accounting (soak-account.awk).

# A fixed pseudo-random text (Park-Miller, exact in doubles) to cut from.
function soak_init(	alnum, x, i)
{
	alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	x = 20240601
	SOAK_TEXT = ""
	for (i = 0; i < 2048; i++) {
		x = (x * 16807) % 2147483647
		SOAK_TEXT = SOAK_TEXT substr(alnum, x % 62 + 1, 1)
	}
}

function soak_payload(id, r, n,	len, off)
{
	len = 10 + (id * 7919 + r * 104729 + n * 31337) % 391
	off = (id * 131 + r * 977 + n * 7919) % (2048 - 400)
	return substr(SOAK_TEXT, off + 1, len)
}

function soak_line(id, r, n)
{
	return sprintf("c%d-r%d-%06d-%s", id, r, n, soak_payload(id, r, n))
}
