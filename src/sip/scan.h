/* scan: raw SIP message framing and checks before parsing (header count, Content-Length, bytes). */
#ifndef SB_SIP_SCAN_H
#define SB_SIP_SCAN_H

/*
 * Pure byte-level checks we make ourselves, because libre's parser is
 * lenient where a server must not be: it accepts a Content-Length larger
 * than the datagram, control characters, any number of headers, and on a
 * stream it cannot tell where one message ends.
 */

#include <stdbool.h>
#include <stddef.h>

struct sipscan {
	size_t start;	  /* offset of the start line (leading CR/LF skipped) */
	size_t head_end;  /* offset just past the blank line ending the header section */
	long clen;	  /* Content-Length (or "l"), -1 when absent */
	unsigned headers; /* header fields (a folded field counts once) */
	bool bad_clen;	  /* not a number, too large, or two different values */
	bool bad_bytes;	  /* NUL or control characters in the start line or headers */
};

/* The largest Content-Length we read as a number (larger ones are bad_clen). */
#define SIPSCAN_CLEN_MAX 999999999L

/*
 * Scans p[0..n) for a header section. Returns 0 with *out filled when the
 * section is complete (a line ending followed by an empty line; CRLF or bare
 * LF), EAGAIN when it is not yet complete, ENODATA when p holds only CR/LF
 * (a keep-alive; out->start says how many bytes).
 */
int sipscan_head(const char *p, size_t n, struct sipscan *out);

/*
 * A name-addr / addr-spec header value (From, To, Contact, Route) whose
 * quotes are closed (quoted-pair escapes honoured) and whose angle brackets
 * outside quotes are one '<' followed by one '>' (or none at all).
 */
bool sipscan_addr_ok(const char *p, size_t n);

#endif
