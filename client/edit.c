/* SPDX-License-Identifier: ISC */
/* The line editor on a terminal: libedit, with messages printed above it. */

/*
 * Why libedit: it is BSD-licensed like pipechat (ISC), so the binary stays
 * under a permissive licence (GNU readline would make it GPL); Debian and
 * every BSD ship it (libedit-dev, libedit2, already on most systems); and
 * its readline-compatible callback interface (rl_callback_handler_install,
 * rl_callback_read_char) lets our poll loop feed it one key at a time, so
 * the daemon's lines are read and shown while a line is being typed.  It
 * brings history, ^A ^E ^W ^U ^K, arrows, Home/End, wide characters and
 * lines wider than the terminal, and ~/.editrc for whoever wants more.
 *
 * What its compatibility layer lacks we do here: it has no way to clear
 * the lines it drew (rl_save_prompt and rl_replace_line("") do not), so
 * edit_erase works out, as its refresh code does, how many rows up the
 * start of the prompt is; and keys are read through rl_getc_function, so
 * that end of file is seen, Backspace removes a whole character as the
 * eye sees it (an emoji with its modifier), not one code point, and Tab
 * completes commands and names (edit_tab).
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

#include <editline/readline.h>

#include "edit.h"
#include "histfile.h"
#include "utf8.h"

/*
 * How long after an ESC the rest of a key's sequence may come: a terminal
 * writes it at once, but ESC typed as Meta (ESC b: a word back) comes by
 * hand.  readline's keyseq-timeout is the same.
 */
#define EDIT_ESC_WAIT_MS	500
/* The names Tab completes: the most there are in a room, roughly. */
#define EDIT_NAMES_MAX	256
#define EDIT_NAME_MAX	64

/* What Backspace queues: the rest of a character as the eye sees it. */
#define EDIT_QUEUE_MAX	16

/* What Tab completes at the start of a line. */
static const char *const edit_commands[] = {
	"/help", "/me", "/msg", "/quit", "/who",
};
#define EDIT_NCOMMANDS	(sizeof edit_commands / sizeof edit_commands[0])

static struct {
	int		 active;
	int		 drawn;		/* prompt and line are on the screen */
	int		 eof;		/* stdin ended or failed */
	int		 histfd;	/* the history file's directory, or -1 */
	const char	*prompt;
	edit_line_cb	 cb;
	void		*arg;
	int		 back;		/* a byte read too far, or -1 */
	int		 queue[EDIT_QUEUE_MAX];	/* characters to hand libedit */
	size_t		 qhead, qlen;
	char		*names[EDIT_NAMES_MAX];
	size_t		 nnames;
	size_t		 nextname;	/* the oldest, replaced when full */
	char		*saved;		/* the line, while suspended */
} edit = { .histfd = -1, .back = -1 };

/* Write all of s to the terminal. */
static void
edit_write(const char *s, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(STDOUT_FILENO, s, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static void
edit_puts(const char *s)
{
	edit_write(s, strlen(s));
}

/* libedit's width of one character, as its refresh.c counts it. */
static int
edit_char_width(wchar_t c)
{
	int	w;

	if (c < 0x100 && iswcntrl((wint_t)c))
		return 2;			/* ^X */
	if (!iswprint((wint_t)c))
		return c > 0xffff ? 8 : 7;	/* \U+XXXX */
	w = wcwidth(c);
	return w < 0 ? 0 : w;
}

/*
 * The row, counted from the prompt's first, that libedit puts the cursor
 * on after s (len bytes) follows the prompt, in cols columns: as its
 * re_refresh_cursor reckons it (wide characters that do not fit go to the
 * next row; a full row moves the cursor to the next).
 */
static int
edit_row(const char *s, size_t len, int cols)
{
	const char	*parts[2] = { edit.prompt, s };
	size_t		 lens[2] = { strlen(edit.prompt), len };
	size_t		 i, k, n;
	uint32_t	 cp;
	int		 h = 0, v = 0, w;

	if (cols <= 0)
		cols = 80;
	for (k = 0; k < 2; k++) {
		for (i = 0; i < lens[k]; i += n) {
			n = utf8_decode((const unsigned char *)parts[k] + i,
			    lens[k] - i, &cp);
			if (cp == UTF8_INVALID)
				continue;
			if (cp == '\t') {
				while (++h & 07)
					;
			} else {
				w = edit_char_width((wchar_t)cp);
				if (w > 1 && h + w > cols) {
					h = 0;
					v++;
				}
				h += w;
			}
			if (h >= cols) {
				h -= cols;
				v++;
			}
		}
	}
	return v;
}

/* The terminal's width, as libedit knows it. */
int
edit_columns(void)
{
	int	cols = 0;

	if (edit.active)
		rl_get_screen_size(NULL, &cols);
	return cols > 0 ? cols : 80;
}

/*
 * Take the prompt and the line being typed off the screen: from the
 * cursor's row up to the prompt's, then clear to the end of the screen.
 */
static void
edit_erase(int cols)
{
	char	buf[32];
	int	up;

	if (!edit.drawn)
		return;
	up = edit_row(rl_line_buffer != NULL ? rl_line_buffer : "",
	    rl_line_buffer != NULL ? (size_t)rl_point : 0, cols);
	if (up > 0) {
		(void)snprintf(buf, sizeof buf, "\r\033[%dA", up);
		edit_puts(buf);
	} else
		edit_puts("\r");
	edit_puts("\033[J");
	edit.drawn = 0;
}

/* Draw the prompt and the line again, the cursor where it was. */
static void
edit_draw(void)
{
	rl_forced_update_display();
	edit.drawn = 1;
}

/*
 * How many code points Backspace takes to remove what shows as one
 * character before byte pos of s: a base with the marks, variation
 * selectors and emoji modifiers after it, and characters joined to it by
 * a zero-width joiner.
 */
static int
edit_cluster(const char *s, size_t pos)
{
	uint32_t	cp, prev;
	size_t		start;
	int		count = 0, join = 0;

	while (pos > 0) {
		for (start = pos - 1; start > 0 &&
		    ((unsigned char)s[start] & 0xc0) == 0x80; start--)
			;
		(void)utf8_decode((const unsigned char *)s + start,
		    pos - start, &cp);
		count++;
		pos = start;
		if (pos == 0)
			break;
		/* What comes before cp: is it part of the same character? */
		for (start = pos - 1; start > 0 &&
		    ((unsigned char)s[start] & 0xc0) == 0x80; start--)
			;
		(void)utf8_decode((const unsigned char *)s + start,
		    pos - start, &prev);
		if (cp == 0x200d || join) {
			/* cp joins, or was joined to, what is before it. */
			join = cp == 0x200d;
			if (!join)
				break;
			continue;
		}
		if (prev == 0x200d) {
			join = 1;
			continue;
		}
		if ((cp >= 0x1f3fb && cp <= 0x1f3ff) ||
		    (cp >= 0xfe00 && cp <= 0xfe0f) || cp == 0x20e3 ||
		    (cp < UTF8_INVALID && cp > 0x7f &&
		    wcwidth((wchar_t)cp) == 0))
			continue;
		break;
	}
	return count > 0 ? count : 1;
}

/* Hand libedit a character after this key: what Tab or Backspace made. */
static void
edit_queue(int c)
{
	if (edit.qlen < EDIT_QUEUE_MAX)
		edit.queue[(edit.qhead + edit.qlen++) % EDIT_QUEUE_MAX] = c;
}

/*
 * Tab (bound with rl_add_defun): complete the word before the cursor, a
 * command at the start of the line, else a name seen (and a space after
 * a single match).  Several matches: their common part, or, when that
 * adds nothing, the list of them above the line.  Ours rather than
 * libedit's completion, which offers file names and rings the bell even
 * for a single match.  libedit does not redraw after a function bound
 * so: we do.
 */
static int
edit_tab(int count, int key)
{
	const char	*line = rl_line_buffer, *cand[EDIT_NAMES_MAX];
	char		 list[EDIT_NAMES_MAX * (EDIT_NAME_MAX + 1) + 1];
	char		 add[EDIT_NAME_MAX + 2];
	size_t		 point, start, len, n = 0, i, common, o;

	(void)count;
	(void)key;
	if (line == NULL || rl_point < 0)
		return 0;
	point = (size_t)rl_point;
	for (start = point; start > 0 && line[start - 1] != ' '; start--)
		;
	len = point - start;
	if (start == 0 && len > 0 && line[0] == '/') {
		for (i = 0; i < EDIT_NCOMMANDS; i++) {
			if (strncmp(edit_commands[i], line, len) == 0)
				cand[n++] = edit_commands[i];
		}
	} else {
		for (i = 0; i < edit.nnames; i++) {
			if (strncmp(edit.names[i], line + start, len) == 0)
				cand[n++] = edit.names[i];
		}
	}
	if (n == 0)
		return 0;
	common = strlen(cand[0]);
	for (i = 1; i < n; i++) {
		for (o = len; o < common && cand[i][o] == cand[0][o]; o++)
			;
		common = o;
	}
	if (n > 1 && common == len) {
		for (i = o = 0; i < n; i++) {
			len = strlen(cand[i]);
			memcpy(list + o, cand[i], len);
			o += len;
			list[o++] = ' ';
		}
		edit_print(list, o - 1);
		return 0;
	}
	o = common - len;
	memcpy(add, cand[0] + len, o);
	if (n == 1)
		add[o++] = ' ';
	add[o] = '\0';
	edit_erase(edit_columns());
	rl_insert_text(add);
	edit_draw();
	return 0;
}

/*
 * One byte of stdin into *c: 1, or 0 at its end (or on an error).  A
 * byte handed back (edit.back) comes first.
 */
static int
edit_byte(unsigned char *c)
{
	struct pollfd	pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	ssize_t		r;

	if (edit.back != -1) {
		*c = (unsigned char)edit.back;
		edit.back = -1;
		return 1;
	}
	for (;;) {
		r = read(STDIN_FILENO, c, 1);
		if (r == 1)
			return 1;
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && errno == EAGAIN) {
			/* Someone made the terminal non-blocking: wait. */
			(void)poll(&pfd, 1, -1);
			continue;
		}
		return 0;
	}
}

/*
 * libedit's key reader (rl_getc_function): one character from stdin,
 * decoded from UTF-8 (an ill-formed sequence is dropped), or what
 * Backspace queued.  -1 at end of input, which is remembered.
 */
static int
edit_getc(FILE *fp)
{
	unsigned char	b[4];
	uint32_t	cp;
	size_t		n, need;
	int		c;

	(void)fp;
	if (edit.qlen > 0) {
		edit.qlen--;
		c = edit.queue[edit.qhead];
		edit.qhead = (edit.qhead + 1) % EDIT_QUEUE_MAX;
		return c;
	}
	for (;;) {
		if (!edit_byte(&b[0])) {
			edit.eof = 1;
			return -1;
		}
		if (b[0] < 0x80)
			break;
		need = b[0] >= 0xf0 ? 4 : b[0] >= 0xe0 ? 3 : 2;
		for (n = 1; n < need && edit_byte(&b[n]); n++) {
			if ((b[n] & 0xc0) != 0x80) {
				/* Not a continuation: the next character. */
				edit.back = b[n];
				break;
			}
		}
		if (n == need && utf8_decode(b, n, &cp) == n &&
		    cp != UTF8_INVALID)
			return (int)cp;
	}
	if ((b[0] == 0x7f || b[0] == 0x08) && rl_line_buffer != NULL &&
	    rl_point > 0) {
		for (n = (size_t)edit_cluster(rl_line_buffer,
		    (size_t)rl_point); n > 1; n--)
			edit_queue(0x7f);
		return 0x7f;
	}
	return b[0];
}

/*
 * Remember a name for Tab; the oldest goes when there are too many.  The
 * daemon's text is not trusted and Tab prints the names: only those of
 * printable ASCII are kept (login names are), never "(anonymous)".
 */
void
edit_add_name(const char *name, size_t len)
{
	size_t	i;

	if (len == 0 || len > EDIT_NAME_MAX || name[0] == '(')
		return;
	for (i = 0; i < len; i++) {
		if (name[i] <= ' ' || name[i] > '~')
			return;
	}
	for (i = 0; i < edit.nnames; i++) {
		if (strlen(edit.names[i]) == len &&
		    memcmp(edit.names[i], name, len) == 0)
			return;
	}
	if (edit.nnames < EDIT_NAMES_MAX)
		i = edit.nnames++;
	else {
		i = edit.nextname;
		edit.nextname = (edit.nextname + 1) % EDIT_NAMES_MAX;
		free(edit.names[i]);
	}
	if ((edit.names[i] = strndup(name, len)) == NULL) {
		/* Out of memory: forget the slot rather than die for Tab. */
		edit.names[i] = edit.names[--edit.nnames];
	}
}

/* A line from libedit's history file reader. */
static void
edit_history_line(void *arg, const char *line)
{
	(void)arg;
	add_history(line);
}

/*
 * libedit finished a line (or saw ^D on an empty one: NULL), after it put
 * the terminal back in its usual mode and the cursor below the line.
 * Take the terminal again at once (keys typed meanwhile would be echoed
 * by the kernel), take prompt and line off the screen (what was said
 * shows once the daemon has it, as everyone else's), hand the line over,
 * and draw the prompt for the next.
 */
static void
edit_line(char *line)
{
	HIST_ENTRY	*last;
	char		 buf[32];
	int		 up;

	if (line == NULL) {
		edit.cb(edit.arg, NULL, 0);
		return;
	}
	/* libedit leaves its callback mode after a line: enter it again. */
	rl_callback_handler_install(edit.prompt, edit_line);
	up = edit_row(line, strlen(line), edit_columns()) + 1;
	(void)snprintf(buf, sizeof buf, "\r\033[%dA\033[J", up);
	edit_puts(buf);
	edit.drawn = 0;
	if (line[0] != '\0') {
		last = history_length > 0 ?
		    history_get(history_base + history_length - 1) : NULL;
		if (last == NULL || strcmp(last->line, line) != 0)
			add_history(line);
	}
	edit.cb(edit.arg, line, strlen(line));
	free(line);
	if (edit.active)
		edit_draw();
}

/*
 * Take over the terminal on stdin and stdout with libedit, the prompt
 * drawn.  With history_file, load the history kept across runs.  cb gets
 * each line typed.  Returns -1 if libedit cannot run there.
 */
int
edit_start(const char *prompt, int history_file, edit_line_cb cb, void *arg)
{
	static int	initialised;

	edit.prompt = prompt;
	edit.cb = cb;
	edit.arg = arg;
	edit.eof = 0;
	edit.qlen = 0;
	if (!initialised) {
		/* Our loop handles the signals; libedit must not. */
		rl_catch_signals = 0;
		rl_catch_sigwinch = 0;
		rl_readline_name = "pipechat";
		rl_getc_function = edit_getc;
		rl_instream = stdin;
		rl_outstream = stdout;
		if (rl_initialize() != 0)
			return -1;
		stifle_history(HISTFILE_LINES);
		/* readline's ^W and ^U, which shells have taught everyone. */
		rl_parse_and_bind("bind ^W ed-delete-prev-word");
		rl_parse_and_bind("bind ^U vi-kill-line-prev");
		rl_add_defun("pipechat-complete", edit_tab, '\t');
		/* Home and End of terminals in application mode. */
		rl_parse_and_bind("bind '\\eOH' ed-move-to-beg");
		rl_parse_and_bind("bind '\\eOF' ed-move-to-end");
		if (history_file && (edit.histfd = histfile_open()) != -1)
			(void)histfile_load(edit.histfd, edit_history_line,
			    NULL);
		initialised = 1;
	}
	if (!isatty(STDIN_FILENO))
		return -1;
	rl_callback_handler_install(prompt, edit_line);
	edit.active = edit.drawn = 1;
	return 0;
}

/* Keep the history for the next run. */
static void
edit_save_history(void)
{
	HIST_ENTRY	 *he;
	const char	**lines;
	int		  i, n = history_length;

	if (edit.histfd == -1 || n <= 0)
		return;
	if ((lines = calloc((size_t)n, sizeof *lines)) == NULL)
		return;
	for (i = 0; i < n; i++) {
		he = history_get(history_base + i);
		lines[i] = he != NULL && he->line != NULL ? he->line : "";
	}
	(void)histfile_save(edit.histfd, lines, (size_t)n);
	free(lines);
}

/* Give the terminal back as we found it, and keep the history. */
void
edit_stop(void)
{
	size_t	i;

	if (!edit.active)
		return;
	edit_erase(edit_columns());
	rl_callback_handler_remove();
	edit.active = 0;
	edit_save_history();
	histfile_close(edit.histfd);
	edit.histfd = -1;
	for (i = 0; i < edit.nnames; i++)
		free(edit.names[i]);
	edit.nnames = 0;
	free(edit.saved);
	edit.saved = NULL;
}

int
edit_active(void)
{
	return edit.active;
}

/*
 * stdin is readable: let libedit take a key (and the Backspaces one
 * Backspace became).  Returns -1 once stdin has ended.
 */
int
edit_read(void)
{
	struct pollfd	pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	unsigned char	c;
	int		n;

	/*
	 * An ESC that nothing follows within EDIT_ESC_WAIT_MS is a key of
	 * its own, not the start of an arrow's sequence (the terminal
	 * sends those in one go): libedit would wait for the next key, and
	 * the daemon's lines with it.  Drop it.
	 */
	if (edit.back == -1 && edit.qlen == 0) {
		/*
		 * The end of input reads as such once only (a ^D the
		 * terminal took in cooked mode, between libedit's mode
		 * switches): reading again would wait for ever.
		 */
		if (!edit_byte(&c)) {
			edit.eof = 1;
			return -1;
		}
		if (c == 0x1b) {
			do {
				n = poll(&pfd, 1, EDIT_ESC_WAIT_MS);
			} while (n == -1 && errno == EINTR);
			if (n == 0)
				return 0;
		}
		edit.back = c;
	}
	do {
		rl_callback_read_char();
	} while (edit.active && edit.qlen > 0 && !edit.eof);
	return edit.eof ? -1 : 0;
}

/*
 * Print a line of safe text (rows separated by '\n') above the line
 * being typed, which is drawn again below it, as it was.
 */
void
edit_print(const char *text, size_t len)
{
	const char	*nl;
	int		 drawn = edit.drawn;

	/* Not drawn: between a line and the next prompt (edit_line). */
	edit_erase(edit_columns());
	/* In raw mode: each row starts at the left edge. */
	while ((nl = memchr(text, '\n', len)) != NULL) {
		edit_write(text, (size_t)(nl - text));
		edit_puts("\r\n");
		len -= (size_t)(nl + 1 - text);
		text = nl + 1;
	}
	edit_write(text, len);
	edit_puts("\r\n");
	if (drawn)
		edit_draw();
}

/* Ring the terminal's bell (someone said our name). */
void
edit_bell(void)
{
	edit_puts("\a");
}

/* The terminal changed size (SIGWINCH): lay the line out anew. */
void
edit_resize(void)
{
	if (!edit.active)
		return;
	edit_erase(edit_columns());
	rl_resize_terminal();
	edit_draw();
}

/* Before stopping (^Z): the terminal as it was, the line kept. */
void
edit_suspend(void)
{
	if (!edit.active)
		return;
	edit_erase(edit_columns());
	free(edit.saved);
	edit.saved = rl_line_buffer != NULL ? strndup(rl_line_buffer,
	    (size_t)rl_end) : NULL;
	rl_callback_handler_remove();
}

/* Continued: take the terminal again, the line as it was. */
void
edit_resume(void)
{
	if (!edit.active)
		return;
	rl_callback_handler_install(edit.prompt, edit_line);
	edit.drawn = 1;
	if (edit.saved != NULL && edit.saved[0] != '\0') {
		rl_insert_text(edit.saved);
		/* Only the prompt is drawn yet. */
		edit_puts("\r\033[J");
		edit_draw();
	}
	free(edit.saved);
	edit.saved = NULL;
}
