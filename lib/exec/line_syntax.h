/* Line mode runs each line on its own (`eval 'LINE'`): a construct that
 * needs the lines after it must be refused before anything runs, or those
 * lines would run as commands of their own. */
#ifndef KRUNSH_LINE_SYNTAX_H
#define KRUNSH_LINE_SYNTAX_H

#include <stddef.h>

/* 0 when LINE stands on its own, as far as a quote-, comment- and
 * escape-aware tokenizer can tell (anything it cannot judge is left to the
 * shell, which reports its own syntax errors). -1 when LINE opens a
 * here-document, leaves a quote, $(, ${ or a compound command (if, while,
 * until, for, case, {, () open, or ends in |, && or ||; why then says
 * which, in a few words. */
int line_syntax_check(const char *line, size_t length, char *why, size_t why_size);

#endif
