/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/*
 * FerryTestUploadServer: an HTTP server on 127.0.0.1, in the test's main
 * context, that receives uploads. Every request body is written to a file
 * of the test's directory as it arrives (SoupServerMessage::got-chunk), so
 * what a client sent before it died is kept, as a real server keeps it.
 *
 * Paths:
 *   /upload/<name>   any method: stores the body, then answers the reply set
 *                    with ferry_test_upload_server_set_reply(), by default
 *                    200 with {"size": N, "sha256": "…"} as application/json.
 *   /status/<code>   stores the body, then answers <code> with a short text.
 *   /tus/            a tus 1.0.0 server (core protocol and the creation
 *                    extension). POST with Upload-Length creates an upload
 *                    and answers 201 with a Location: an absolute URI of
 *                    /tus/files/<n>, or the relative reference "files/<n>".
 *   /tus/files/<n>   HEAD answers the stored offset in Upload-Offset;
 *                    PATCH stores its body from Upload-Offset on (409 unless
 *                    that is the stored offset) and answers 204 with the new
 *                    Upload-Offset. Every PATCH's offset is recorded.
 *   anything else    404.
 *
 * Reading a body can be held at a position (to stop a client half-way, for
 * a kill or a Pause at a known point) or throttled.
 */

typedef struct {
  char *method;
  char *path;
  SoupMessageHeaders *headers;   /* every request header */
  SoupEncoding encoding;         /* how the request body was framed */
  gint64 content_length;         /* the Content-Length, -1 when absent */
  gint64 time;                   /* when it arrived, g_get_monotonic_time() */

  guint64 body_bytes;            /* request body bytes received */
  char *body_path;               /* the stored body (not for tus PATCH) */
  char *body_sha256;             /* of the whole body, once it arrived */
  gboolean body_complete;        /* the whole body arrived */
  gboolean finished;             /* answered, or the connection is gone */
  guint status;                  /* the status answered, 0 if none */

  /* tus */
  guint tus_index;               /* the upload it is about, G_MAXUINT if none */
  gint64 request_offset;         /* PATCH: its Upload-Offset, -1 when absent */
  gint64 answered_offset;        /* HEAD, PATCH: the Upload-Offset answered, -1 if none */
} FerryTestUploadRequest;

/* One upload created on the tus server. */
typedef struct {
  char *id;
  char *location;        /* absolute URI */
  guint64 length;        /* Upload-Length */
  guint64 offset;        /* bytes stored so far */
  char *metadata;        /* Upload-Metadata as sent, NULL when absent */
  char *path;            /* where the bytes are stored */
  GArray *patch_offsets; /* guint64: the Upload-Offset of every PATCH, in order
                          * (G_MAXUINT64 for a PATCH without one) */
  guint gone_status;     /* forgotten: HEAD and PATCH answer this (404, 410) */
} FerryTestTusUpload;

typedef struct _FerryTestUploadServer FerryTestUploadServer;

/* Stores bodies in @store_dir, which must exist. */
FerryTestUploadServer *ferry_test_upload_server_new (const char *store_dir);
void                   ferry_test_upload_server_free (FerryTestUploadServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FerryTestUploadServer, ferry_test_upload_server_free)

/* "http://127.0.0.1:<port>" followed by the printf-formatted path. */
char *ferry_test_upload_server_uri (FerryTestUploadServer *server,
                                    const char            *path_format,
                                    ...) G_GNUC_PRINTF (2, 3);

/* What /upload/ answers from now on: @status, a body of @content_type
 * (NULL: none) and extra headers given as name, value pairs ending with
 * NULL. */
void ferry_test_upload_server_set_reply (FerryTestUploadServer *server,
                                         guint                  status,
                                         const char            *content_type,
                                         GBytes                *body,
                                         ...) G_GNUC_NULL_TERMINATED;

/* Answer tus creations with the relative Location "files/<n>". */
void ferry_test_upload_server_set_tus_relative_location (FerryTestUploadServer *server,
                                                         gboolean               relative);

/* Stop reading the next body that reaches @position (for a PATCH: its
 * upload's stored offset; otherwise: body bytes) until released. The
 * bytes before it are stored. */
void     ferry_test_upload_server_hold_at (FerryTestUploadServer *server, guint64 position);
gboolean ferry_test_upload_server_is_holding (FerryTestUploadServer *server);
void     ferry_test_upload_server_release (FerryTestUploadServer *server);

/* Read every body at about @bytes_per_second (0: as fast as possible). */
void ferry_test_upload_server_set_throttle (FerryTestUploadServer *server,
                                            guint64                bytes_per_second);

/* Requests whose exchange is not over yet. */
guint ferry_test_upload_server_get_active (FerryTestUploadServer *server);

/* The recorded requests, oldest first (owned by the server). */
GPtrArray *ferry_test_upload_server_get_requests (FerryTestUploadServer *server);
/* Requests with @method (NULL: any) and a path starting with @path_prefix. */
guint ferry_test_upload_server_count_requests (FerryTestUploadServer *server,
                                               const char            *method,
                                               const char            *path_prefix);
/* The @index-th of them, or NULL. */
FerryTestUploadRequest *ferry_test_upload_server_nth_request (FerryTestUploadServer *server,
                                                              const char            *method,
                                                              const char            *path_prefix,
                                                              guint                  index);

/* The body of @req parsed as multipart (by its own Content-Type), NULL if
 * it is not one. */
SoupMultipart *ferry_test_upload_request_parse_multipart (FerryTestUploadRequest *req);

/* The uploads created on the tus server, in creation order (owned by
 * the server). */
GPtrArray *ferry_test_upload_server_get_tus_uploads (FerryTestUploadServer *server);
/* Forget upload @index: from now on its HEAD and PATCH answer @status. */
void ferry_test_upload_server_tus_forget (FerryTestUploadServer *server,
                                          guint                  index,
                                          guint                  status);
/* The value of @key in a tus Upload-Metadata header, decoded; NULL when
 * absent or not valid base64. */
char *ferry_test_tus_metadata_get (const char *metadata, const char *key);

G_END_DECLS
