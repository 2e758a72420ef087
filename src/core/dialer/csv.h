/* csv: an RFC 4180 reader over a buffer (quoted fields, CRLF or LF, a UTF-8 byte-order mark,
 * UTF-8 checks), reporting each malformed record without giving up on the rest of the file. */
#ifndef SB_CORE_DIALER_CSV_H
#define SB_CORE_DIALER_CSV_H

/*
 * The reader walks a buffer the caller owns (the whole file, in memory) and
 * hands out one record at a time. What it accepts:
 *
 *   - fields separated by the delimiter (',' by default; ';', TAB and '|'
 *     too, as spreadsheets in some locales write them);
 *   - records ended by CRLF, LF or a lone CR; the last record needs no line
 *     end; an empty line is a record of one empty field (marked `blank`);
 *   - quoted fields ("..."), in which delimiters, line ends and doubled
 *     quotes ("") are data; the quotes themselves are not;
 *   - a UTF-8 byte-order mark at the very start, which is skipped.
 *
 * A record is malformed when a quote appears inside an unquoted field, when
 * anything but a delimiter or a line end follows a closing quote, when a
 * quoted field is still open at the end of the input, when a field is not
 * UTF-8 or holds a NUL byte, or when a field or the record is too large.
 * The record is still returned, with `err` saying why and where; the reader
 * then carries on at the next line (after an unterminated quote there is no
 * next line: the quote swallowed the rest of the input). Nothing is skipped
 * silently: every record of the input comes out, well-formed or not.
 *
 * Pure: no I/O. Fields are copied (unquoted, unescaped) into a buffer the
 * reader owns; they stay valid until the next csv_next() or csv_close().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CSV_FIELD_MAX  65536 /* bytes in one field */
#define CSV_FIELDS_MAX 1024  /* fields in one record */

enum csv_error {
	CSV_OK = 0,
	CSV_E_QUOTE,	    /* '"' inside an unquoted field */
	CSV_E_AFTER_QUOTE,  /* something other than a delimiter or line end after a closing quote */
	CSV_E_UNTERMINATED, /* a quoted field still open at the end of the input */
	CSV_E_UTF8,	    /* bytes that are not UTF-8 */
	CSV_E_NUL,	    /* a NUL byte */
	CSV_E_FIELD_LONG,   /* a field longer than CSV_FIELD_MAX bytes */
	CSV_E_FIELDS,	    /* more than CSV_FIELDS_MAX fields */
};

struct csv_field {
	const char *s; /* NUL-terminated (the field itself holds no NUL unless err is CSV_E_NUL) */
	size_t len;
};

struct csv_record {
	uint32_t record; /* 1, 2, ...: the row number a spreadsheet shows */
	uint32_t line;	 /* the line the record starts on (1-based) */
	uint32_t n;	 /* fields (>= 1) */
	const struct csv_field *f;
	bool blank;	    /* an empty line */
	enum csv_error err; /* CSV_OK, or the first thing wrong with the record */
	uint32_t err_line;  /* where that was: line, */
	uint32_t err_field; /* and field (1-based) */
};

struct csv {
	const char *p, *end;
	char delim;
	uint32_t line, record;
	char *buf; /* unescaped field bytes, each field NUL-terminated */
	size_t len, cap;
	size_t *off; /* start of each field in buf */
	struct csv_field *f;
	uint32_t nf, capf;
};

/*
 * Starts reading data[0..len). delim: ',', ';', '\t' or '|'. Returns 0;
 * EINVAL for another delimiter; EBADMSG when the data starts with a UTF-16
 * or UTF-32 byte-order mark (the file must be saved as UTF-8).
 */
int csv_open(struct csv *c, const char *data, size_t len, char delim);
/* The next record: 0 and *rec, ENOENT when the input is exhausted, ENOMEM. */
int csv_next(struct csv *c, struct csv_record *rec);
void csv_close(struct csv *c);

/* True when s[0..len) is well-formed UTF-8 (no overlong forms, surrogates or values above
 * U+10FFFF). */
bool csv_utf8_valid(const char *s, size_t len);

/* A short English description of an error ("quote inside an unquoted field" ...). */
const char *csv_error_text(enum csv_error e);

#endif
