/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/*
 * FerryTestServer: an HTTP server on 127.0.0.1 that runs in the test's
 * main context and serves content the test can predict byte for byte.
 *
 * Paths:
 *   /file/<size>              a deterministic pseudo-random body of <size>
 *                             bytes (see ferry_test_content_fill()), with an
 *                             ETag, a Last-Modified and Accept-Ranges: bytes;
 *                             honours "Range: bytes=N-[M]" and If-Range.
 *   /redirect/<n>/<rest>      302 to /redirect/<n-1>/<rest>, and
 *                             /redirect/1/<rest> to /<rest>.
 *   /status/<code>            answers <code> with a short text body.
 *   anything else             404.
 *
 * Fault switches (set by the test, they apply to later /file requests):
 * ignore ranges, chunked encoding, a throttle, a connection cut after N body
 * bytes, failing the next N requests with a status, stalling (never
 * answering), and changing the content (a new seed gives new bytes, a new
 * ETag and a new Last-Modified).
 *
 * Every request is recorded so a test can check what the client asked for.
 */

typedef struct {
  char *method;
  char *path;
  char *range;          /* the Range header, NULL when absent */
  char *if_range;       /* the If-Range header, NULL when absent */
  SoupMessageHeaders *headers;  /* every request header */
  gint64 time;          /* when it arrived, g_get_monotonic_time() */
  guint status;         /* the status the server answered, 0 if none yet */
  guint64 body_bytes_sent;  /* body bytes written to the socket */
  gboolean cut;         /* the connection was closed mid-body on purpose */
} FerryTestRequest;

typedef struct _FerryTestServer FerryTestServer;

FerryTestServer *ferry_test_server_new (void);
void             ferry_test_server_free (FerryTestServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FerryTestServer, ferry_test_server_free)

/* "http://127.0.0.1:<port>" followed by the printf-formatted path. */
char *ferry_test_server_uri (FerryTestServer *server,
                             const char      *path_format,
                             ...) G_GNUC_PRINTF (2, 3);

/* The seed of the content; a new one changes the bytes, ETag and
 * Last-Modified of every /file. */
void     ferry_test_server_set_seed (FerryTestServer *server, guint32 seed);
guint32  ferry_test_server_get_seed (FerryTestServer *server);
/* The validators the server currently sends for /file/<size>. */
char    *ferry_test_server_etag (FerryTestServer *server, guint64 size);
char    *ferry_test_server_last_modified (FerryTestServer *server);

/* Answer 200 with the whole body to every Range request, and do not
 * advertise Accept-Ranges. */
void ferry_test_server_set_ignore_ranges (FerryTestServer *server, gboolean ignore);
/* Which validators /file responses carry (without a fault plan): by
 * default the ETag and the Last-Modified; WEAK_ETAG sends the ETag as
 * W/"…" (when ETAG is not given). If-Range is still checked against both. */
typedef enum {
  FERRY_TEST_VALIDATOR_NONE = 0,
  FERRY_TEST_VALIDATOR_ETAG = 1 << 0,
  FERRY_TEST_VALIDATOR_WEAK_ETAG = 1 << 1,
  FERRY_TEST_VALIDATOR_LAST_MODIFIED = 1 << 2,
} FerryTestValidators;
void ferry_test_server_set_validators (FerryTestServer *server, FerryTestValidators validators);
/* Send bodies with chunked encoding and no Content-Length. */
void ferry_test_server_set_chunked (FerryTestServer *server, gboolean chunked);
/* Limit every body to about @bytes_per_second (0: as fast as possible).
 * Takes effect at once, also for responses being sent. */
void ferry_test_server_set_throttle (FerryTestServer *server, guint64 bytes_per_second);
/* Close the connection after @bytes of body (0: right after the headers)
 * in @times responses to /file (G_MAXUINT: every one). Calls queue up:
 * cut_after (64 KiB, 1) then cut_after (0, G_MAXUINT) cuts the first
 * response after 64 KiB and every later one before any body. @bytes
 * G_MAXUINT64 cuts nothing: cut_after (G_MAXUINT64, 1) then
 * cut_after (64 KiB, 1) spares the first response and cuts the second. */
void ferry_test_server_cut_after (FerryTestServer *server, guint64 bytes, guint times);
/* Forget every cut still planned. */
void ferry_test_server_cut_never (FerryTestServer *server);
/* Answer the next @times /file requests with @status and no body. */
void ferry_test_server_fail_next (FerryTestServer *server, guint status, guint times);
/* Never answer /file requests while set (the client sees no response). */
void ferry_test_server_set_stall (FerryTestServer *server, gboolean stall);

/* The recorded requests, oldest first (owned by the server). */
GPtrArray *ferry_test_server_get_requests (FerryTestServer *server);
/* How many requests had a path starting with @path_prefix. */
guint ferry_test_server_count_requests (FerryTestServer *server, const char *path_prefix);
/* The @index-th request with a path starting with @path_prefix, or NULL. */
FerryTestRequest *ferry_test_server_nth_request (FerryTestServer *server,
                                                 const char      *path_prefix,
                                                 guint            index);
/* How many /file responses are being sent right now, and the most there
 * ever were at once. */
guint ferry_test_server_get_active (FerryTestServer *server);
guint ferry_test_server_get_max_active (FerryTestServer *server);

/* The content: byte i of the body for @seed, whatever the size asked for,
 * so a range of a body can be produced without the rest of it. */
void  ferry_test_content_fill (guint32 seed, guint64 offset, guint8 *buf, gsize len);
/* The lowercase hex SHA-256 of the first @size bytes of content @seed. */
char *ferry_test_content_sha256 (guint32 seed, guint64 size);

/* Parses "bytes=N-" or "bytes=N-M" into N; FALSE for anything else. */
gboolean ferry_test_parse_range_start (const char *range, guint64 *out_start);

/* The body bytes written so far for every request whose path starts with
 * @path_prefix, responses still being sent included: what a client was
 * served, measured at the server. */
guint64 ferry_test_server_bytes_sent (FerryTestServer *server, const char *path_prefix);

/* Gives the sockets of requests that start from now on a send buffer of
 * about @bytes (SO_SNDBUF) instead of the kernel's, which grows to
 * megabytes and then hands data to a slow client in lumps: with a small
 * one, what the server sends over half a second is what the client read.
 * Call it once. */
void ferry_test_server_set_send_buffer (FerryTestServer *server, guint bytes);

/* ---- fault plans ------------------------------------------------------- */

/*
 * Faults planned one response at a time, for the reliability tests. The
 * first call below adds handlers in front of the catch-all one (requests
 * are recorded as before):
 *
 *   /file/<size>       as above, unless a plan applies to the response.
 *   /gzip/<size>       the gzip compression of a body like /file/<size>'s,
 *                      sent with Content-Encoding: gzip whatever the client
 *                      accepts (ferry_test_server_gzip_body()); its ranges
 *                      are ranges of the compressed bytes, with their own
 *                      ETag (ferry_test_server_gzip_etag()).
 *   /loop/<0|1>        302 to /loop/<1|0>: a redirect loop.
 *   /redirect-to?uri=U 302 to U, whatever its scheme.
 *
 * Plans queue up as cuts do: the head applies to the next response of
 * /file or /gzip, and is used up after @times of them (G_MAXUINT: never).
 * Without a plan the switches above (cut, fail, stall, throttle) apply.
 */
typedef enum {
  FERRY_TEST_FAULT_RESET,             /* @arg body bytes, then a TCP reset */
  FERRY_TEST_FAULT_TRUNCATE,          /* @arg body bytes, then a clean close */
  FERRY_TEST_FAULT_STALL,             /* @arg body bytes, then silence with
                                       * the connection held open */
  FERRY_TEST_FAULT_OVERLONG,          /* the body and @arg bytes more than
                                       * its Content-Length */
  FERRY_TEST_FAULT_SLOW_HEADERS,      /* no answer for @arg ms, then the
                                       * normal one */
  FERRY_TEST_FAULT_SHIFTED_RANGE,     /* a Range answered from @arg bytes
                                       * before its start, Content-Range
                                       * saying so (waits for a Range) */
  FERRY_TEST_FAULT_BAD_CONTENT_RANGE, /* a Range answered 206 with a
                                       * Content-Range that does not parse
                                       * (waits for a Range) */
  FERRY_TEST_FAULT_IGNORE_IF_RANGE,   /* a Range answered 206 from the
                                       * current version whatever If-Range
                                       * says (waits for a Range) */
  FERRY_TEST_FAULT_HUGE_HEADER,       /* an X-Ferry-Huge header of @arg bytes */
  FERRY_TEST_FAULT_MANY_HEADERS,      /* @arg headers X-Ferry-<n> */
  FERRY_TEST_FAULT_BINARY_HEADER,     /* an X-Ferry-Binary header of @arg
                                       * bytes from 0x80 up (obs-text, not
                                       * UTF-8) */
  FERRY_TEST_FAULT_STATUS,            /* the status @arg and a short body */
} FerryTestFault;

/* Installs the handlers without planning anything. */
void    ferry_test_server_enable_faults (FerryTestServer *server);
void    ferry_test_server_add_fault (FerryTestServer *server,
                                     FerryTestFault   fault,
                                     guint64          arg,
                                     guint            times);
/* The plan added last also sends the header @name: @value (a Retry-After
 * with a 503, say). */
void    ferry_test_server_add_fault_header (FerryTestServer *server,
                                            const char      *name,
                                            const char      *value);
/* Forgets every plan not used up. */
void    ferry_test_server_clear_faults (FerryTestServer *server);
/* The body /gzip/@size sends (for the current seed), and its ETag. */
GBytes *ferry_test_server_gzip_body (FerryTestServer *server, guint64 size);
char   *ferry_test_server_gzip_etag (FerryTestServer *server, guint64 size);

G_END_DECLS
