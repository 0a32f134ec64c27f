/* krunsh's own terminal while a -t execution runs: raw, so that every key
 * (^C, ^Z, ^\, ^D included) is a byte for the guest's terminal, whose line
 * discipline gives them their meaning; restored on every way out. */
#ifndef KRUNSH_CLI_TERMINAL_H
#define KRUNSH_CLI_TERMINAL_H

/* Puts terminal fd in raw mode, saving its settings first; -1 (errno)
 * when it is not a terminal or refuses. Once per run. */
int terminal_raw_begin(int fd);
/* Puts the saved settings back; does nothing when none were saved or they
 * are back already. Safe to call from any exit path, also from atexit and
 * more than once. */
void terminal_restore(void);
/* The window size of the first of stdin, stdout and stderr that is a
 * terminal; 24 x 80 when none is. */
void terminal_size(unsigned *rows, unsigned *columns);

#endif
