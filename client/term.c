/* SPDX-License-Identifier: ISC */
/* A minimal line editor, so that incoming messages do not garble typing. */
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "term.h"

static void
term_write(struct term *t, const char *s, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(t->fd, s, len);
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static void
term_puts(struct term *t, const char *s)
{
	term_write(t, s, strlen(s));
}

/*
 * Take over the terminal fd: no kernel echo or line editing, so that we
 * know what has been typed and can put it back after printing a message.
 * Signals (^C, ^Z) still work.  Returns -1 if fd is not a terminal.
 */
int
term_start(struct term *t, int fd, const char *prompt)
{
	struct termios	raw;

	memset(t, 0, sizeof *t);
	t->fd = fd;
	t->prompt = prompt;
	if (tcgetattr(fd, &t->saved) == -1)
		return -1;
	raw = t->saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSAFLUSH, &raw) == -1)
		return -1;
	t->active = 1;
	term_redraw(t);
	return 0;
}

/* Give the terminal back as we found it. */
void
term_stop(struct term *t)
{
	if (!t->active)
		return;
	term_puts(t, "\r\033[K");
	tcsetattr(t->fd, TCSAFLUSH, &t->saved);
	t->active = 0;
}

/* Clear the input line and draw prompt and typed text again. */
void
term_redraw(struct term *t)
{
	term_puts(t, "\r\033[K");
	term_puts(t, t->prompt);
	term_write(t, t->buf, t->len);
}

/* Print a line of (already safe) text above the one being typed. */
void
term_show(struct term *t, const char *text, size_t len)
{
	term_puts(t, "\r\033[K");
	term_write(t, text, len);
	term_puts(t, "\n");
	term_write(t, t->prompt, strlen(t->prompt));
	term_write(t, t->buf, t->len);
}

/* Remove the last UTF-8 character. */
static void
term_backspace(struct term *t)
{
	while (t->len > 0) {
		t->len--;
		if (((unsigned char)t->buf[t->len] & 0xc0) != 0x80)
			break;
	}
}

/*
 * Handle one typed byte.  Returns TERM_LINE when Enter finished a line
 * (in t->line, t->linelen), TERM_EOF for ^D on an empty line, else 0.
 */
int
term_key(struct term *t, unsigned char c)
{
	if (t->esc) {
		/* Skip arrows and the like: ESC [ params final-byte. */
		if (t->esc == 1 && c == '[')
			t->esc = 2;
		else if (t->esc == 1 || (c >= 0x40 && c <= 0x7e))
			t->esc = 0;
		return 0;
	}
	switch (c) {
	case '\r':
	case '\n':
		memcpy(t->line, t->buf, t->len);
		t->linelen = t->len;
		t->len = 0;
		term_puts(t, "\n");
		term_redraw(t);
		return TERM_LINE;
	case 0x04:			/* ^D */
		if (t->len == 0)
			return TERM_EOF;
		return 0;
	case 0x7f:			/* DEL, ^? */
	case 0x08:			/* ^H */
		term_backspace(t);
		break;
	case 0x15:			/* ^U */
		t->len = 0;
		break;
	case 0x17:			/* ^W */
		while (t->len > 0 && t->buf[t->len - 1] == ' ')
			t->len--;
		while (t->len > 0 && t->buf[t->len - 1] != ' ')
			t->len--;
		break;
	case 0x0c:			/* ^L */
		term_puts(t, "\033[H\033[2J");
		break;
	case 0x1b:
		t->esc = 1;
		return 0;
	default:
		if (c < 0x20 && c != '\t')
			return 0;
		if (t->len < sizeof t->buf) {
			t->buf[t->len++] = (char)c;
			term_write(t, (char *)&c, 1);
		}
		return 0;
	}
	term_redraw(t);
	return 0;
}
